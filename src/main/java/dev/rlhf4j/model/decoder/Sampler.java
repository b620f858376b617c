package dev.rlhf4j.model.decoder;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Picks the next token of one row from its logits, as transformers' logits processors do: repetition
 * penalty, then (sampling only) temperature, top-k, top-p, then a draw. Runs on the host: one row of
 * logits is a few tens of thousands of floats, small next to the forward pass that made it.
 */
final class Sampler {
    private final GenerationConfig cfg;
    private final float[] work;
    private final long[] order;
    private final BitSet seen;

    Sampler(GenerationConfig cfg, int vocab) {
        this.cfg = cfg;
        this.work = new float[vocab];
        this.order = new long[vocab];
        this.seen = new BitSet(vocab);
    }

    /**
     * @param logits  the batch's logits; this row's are {@code [off, off + vocab)}
     * @param ids     the batch's token ids so far, row-major; this row's start at {@code rowStart}, {@code len} long
     * @param mask    1 where {@code ids} holds a real token
     */
    int next(float[] logits, int off, int vocab, long[] ids, float[] mask, int rowStart, int len, SplittableRandom rng) {
        float[] x = work;
        System.arraycopy(logits, off, x, 0, vocab);
        if (cfg.repetitionPenalty() != 1.0) {
            float p = (float) cfg.repetitionPenalty();
            seen.clear();
            for (int k = rowStart; k < rowStart + len; k++) {
                int t = (int) ids[k];
                if (mask[k] == 0f || t < 0 || t >= vocab || seen.get(t)) continue;
                seen.set(t);
                x[t] = x[t] < 0 ? x[t] * p : x[t] / p;
            }
        }
        if (cfg.greedy()) return argMax(x, vocab);
        float inv = (float) (1.0 / cfg.temperature());
        for (int i = 0; i < vocab; i++) x[i] *= inv;
        boolean[] keep = null;
        if (cfg.topK() > 0 && cfg.topK() < vocab || cfg.topP() < 1.0) {
            sortDescending(x, vocab);
            keep = new boolean[vocab];
            int kept = cfg.topK() > 0 ? Math.min(cfg.topK(), vocab) : vocab;
            // Ties with the k-th value stay, as in transformers (scores < k-th value are removed).
            float kth = x[index(order[kept - 1])];
            while (kept < vocab && x[index(order[kept])] == kth) kept++;
            if (cfg.topP() < 1.0) {
                double max = x[index(order[0])], z = 0;
                for (int i = 0; i < kept; i++) z += Math.exp(x[index(order[i])] - max);
                // Keep the most likely tokens until their mass reaches p (transformers drops the tail whose
                // ascending cumulative mass is ≤ 1 − p; the top token always stays).
                double cum = 0;
                int n = 0;
                while (n < kept) {
                    cum += Math.exp(x[index(order[n])] - max) / z;
                    n++;
                    if (cum >= cfg.topP()) break;
                }
                kept = n;
            }
            for (int i = 0; i < kept; i++) keep[index(order[i])] = true;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) if (keep == null || keep[i]) max = Math.max(max, x[i]);
        double z = 0;
        for (int i = 0; i < vocab; i++) if (keep == null || keep[i]) z += Math.exp(x[i] - max);
        double u = rng.nextDouble() * z, acc = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            if (keep != null && !keep[i]) continue;
            acc += Math.exp(x[i] - max);
            last = i;
            if (acc > u) return i;
        }
        return last;
    }

    /** The first index of the largest value, as torch.argmax. */
    static int argMax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Fills {@link #order} with indices by descending value: the float's sortable bits high, the index low. */
    private void sortDescending(float[] x, int n) {
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(-x[i]);
            bits ^= (bits >> 31) & 0x7fffffff; // order-preserving map of floats onto signed ints
            order[i] = ((long) bits << 32) | i;
        }
        Arrays.sort(order, 0, n);
    }

    private static int index(long packed) {
        return (int) packed;
    }
}
