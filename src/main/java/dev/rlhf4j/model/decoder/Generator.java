package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Continues a batch of prompts with a {@link CausalLm}. Prompts are left-padded to one length, so every
 * row's next token sits in the last column; positions come from the mask, so a prompt generates the same
 * tokens alone or in a batch. With the KV cache each step runs one token per row; without it each step
 * recomputes the whole sequence (kept for checking and for measuring what the cache saves).
 */
public final class Generator {
    private final CausalLm lm;

    /** @param stopReason {@code eos}, {@code stop_string} or {@code length} */
    public record Generation(int[] promptIds, int[] newIds, String text, String stopReason) {}

    /** @param newTokens tokens generated over all rows (what tokens/s counts) */
    public record Result(List<Generation> generations, long newTokens, double seconds) {
        public double tokensPerSecond() {
            return seconds > 0 ? newTokens / seconds : 0;
        }
    }

    public Generator(CausalLm lm) {
        this.lm = lm;
    }

    /**
     * Continues each prompt; row r samples from its own stream, {@link #rowStream}(seed, prompt, k) with k the number
     * of earlier rows of this call holding the same prompt (0, 1, … for k answers to one prompt).
     */
    public Result generate(List<int[]> prompts, GenerationConfig cfg) {
        return generate(prompts, occurrences(prompts), cfg);
    }

    /**
     * Continues each prompt; row r samples from {@link #rowStream}(seed, prompt r, {@code sampleIndex[r]}), so a row's
     * tokens depend on its prompt, its sample index and the seed only: not on the other rows, their lengths or the
     * batch's order. Two policies sharing a tokenizer answer the same (prompt, index) with paired draws. Callers that
     * split one set of rows into several calls pass indices counted over the whole set.
     */
    public Result generate(List<int[]> prompts, int[] sampleIndex, GenerationConfig cfg) {
        if (sampleIndex.length != prompts.size()) {
            throw new IllegalArgumentException(sampleIndex.length + " sample indices for " + prompts.size() + " prompts");
        }
        long t0 = System.nanoTime();
        DecoderConfig c = lm.config();
        int rows = prompts.size();
        if (rows == 0) return new Result(List.of(), 0, 0);
        int longest = 0;
        for (int i = 0; i < rows; i++) {
            if (prompts.get(i).length == 0) throw new IllegalArgumentException("prompt " + i + " has no tokens");
            longest = Math.max(longest, prompts.get(i).length);
        }
        int maxNew = Math.min(cfg.maxNewTokens(), c.maxPositions() - longest);
        if (maxNew < cfg.maxNewTokens() && maxNew <= 0) {
            throw new IllegalArgumentException("a prompt of " + longest + " tokens leaves no room under max_position_embeddings "
                    + c.maxPositions());
        }
        TokenBatch batch = TokenBatch.prompts(prompts, c.padOrEos(), maxNew); // new tokens fill it in place
        int total = batch.cols();
        long[] ids = batch.ids();
        float[] mask = batch.mask();
        int[][] out = new int[rows][maxNew];
        int[] produced = new int[rows];
        String[] reason = new String[rows];
        BitSet done = new BitSet(rows);
        SplittableRandom[] rng = new SplittableRandom[rows];
        for (int r = 0; r < rows; r++) rng[r] = rowStream(cfg.seed(), prompts.get(r), sampleIndex[r]);
        Sampler sampler = new Sampler(cfg, c.vocabSize());
        NDManager m = lm.manager();
        long newTokens = 0;
        int len = longest;
        try (KvCache cache = cfg.useCache() ? new KvCache(c.numLayers()) : null) {
            for (int step = 0; step < maxNew && done.cardinality() < rows; step++) {
                float[] logits;
                try (NDScope scope = new NDScope()) {
                    int from = cache != null && step > 0 ? len - 1 : 0;
                    NDArray hidden = lm.decoder().forward(slice(ids, rows, total, from, len), slice(mask, rows, total, 0, len),
                            rows, cache, m);
                    logits = lm.logits(hidden.get(new NDIndex(":, -1, :"))).toFloatArray(); // (B, V)
                }
                int vocab = logits.length / rows;
                for (int r = 0; r < rows; r++) {
                    int col = r * total + len;
                    if (done.get(r)) continue; // stays pad, masked out
                    int token = sampler.next(logits, r * vocab, vocab, ids, mask, r * total, len, rng[r]);
                    ids[col] = token;
                    mask[col] = 1f;
                    out[r][produced[r]++] = token;
                    newTokens++;
                    if (cfg.stopAtEos() && c.eosIds().contains(token)) {
                        done.set(r);
                        reason[r] = "eos";
                    } else if (!cfg.stopStrings().isEmpty() && stopIndex(decodeNew(out[r], produced[r], false), cfg) >= 0) {
                        done.set(r);
                        reason[r] = "stop_string";
                    }
                }
                len++;
            }
        }
        List<Generation> gens = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int[] fresh = Arrays.copyOf(out[r], produced[r]);
            String text = decodeNew(fresh, fresh.length, true);
            int cut = stopIndex(text, cfg);
            if (cut >= 0) text = text.substring(0, cut);
            gens.add(new Generation(prompts.get(r), fresh, text, reason[r] == null ? "length" : reason[r]));
        }
        return new Result(gens, newTokens, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The random stream of one generated row: SplitMix64 over the seed, the prompt's token ids and the sample index.
     * A function of those three alone, so the same row draws the same numbers in any batch.
     */
    public static SplittableRandom rowStream(long seed, int[] promptIds, int sampleIndex) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (int id : promptIds) h = mix(h ^ (id & 0xffffffffL));
        h = mix(h ^ promptIds.length);
        return new SplittableRandom(mix(h ^ ((long) sampleIndex + 1) * 0xBF58476D1CE4E5B9L));
    }

    /** For each row, how many earlier rows hold the same prompt ids. */
    public static int[] occurrences(List<int[]> prompts) {
        Map<List<Integer>, Integer> seen = new HashMap<>();
        int[] k = new int[prompts.size()];
        for (int r = 0; r < k.length; r++) {
            List<Integer> key = Arrays.stream(prompts.get(r)).boxed().toList();
            k[r] = seen.merge(key, 1, Integer::sum) - 1;
        }
        return k;
    }

    /** SplitMix64's finaliser (Steele, Lea and Flood 2014). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private String decodeNew(int[] tokens, int n, boolean dropEos) {
        int[] t = Arrays.copyOf(tokens, n);
        if (dropEos && n > 0 && lm.config().eosIds().contains(t[n - 1])) t = Arrays.copyOf(t, n - 1);
        return lm.decode(t);
    }

    private static int stopIndex(String text, GenerationConfig cfg) {
        int best = -1;
        for (String s : cfg.stopStrings()) {
            int i = text.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) best = i;
        }
        return best;
    }

    private static long[] slice(long[] a, int rows, int total, int from, int to) {
        long[] s = new long[rows * (to - from)];
        for (int r = 0; r < rows; r++) System.arraycopy(a, r * total + from, s, r * (to - from), to - from);
        return s;
    }

    private static float[] slice(float[] a, int rows, int total, int from, int to) {
        float[] s = new float[rows * (to - from)];
        for (int r = 0; r < rows; r++) System.arraycopy(a, r * total + from, s, r * (to - from), to - from);
        return s;
    }
}
