package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.rlhf4j.engine.Scalars;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.Chunking;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.text.Tokenizer;

import java.nio.file.Path;
import java.util.List;

/**
 * A decoder with its language-model head: next-token logits, the loss of a text, the one path to per-token
 * log-probabilities of a {@link TokenBatch} (SFT, perplexity, PPO and its KL penalty), and the input of {@link Generator}. The head is
 * {@code lm_head.weight}, or the token embeddings when the config ties them.
 */
public final class CausalLm implements AutoCloseable {
    private static final ObjectMapper JSON = Json.MAPPER;

    private final NDManager manager;
    private final Decoder decoder;
    private final NDArray lmHead;
    private final Tokenizer tokenizer;
    private final JsonNode tokenizerConfig;
    private final String name;
    private final ModelParameters params = new ModelParameters();

    private CausalLm(NDManager manager, Decoder decoder, Tokenizer tokenizer, JsonNode tokenizerConfig, String name) {
        this.manager = manager;
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.tokenizerConfig = tokenizerConfig;
        this.name = name;
        params.addAll(decoder.parameters());
        DecoderConfig c = decoder.config();
        lmHead = c.tieEmbeddings() ? decoder.tokenEmbeddings()
                : params.zeros(manager, "lm_head.weight", c.vocabSize(), c.hiddenSize());
    }

    /** A Hugging Face *ForCausalLM directory or a llama2.c {@code .bin}. */
    public static CausalLm load(Path path, Device device) {
        return fromCheckpoint(DecoderCheckpoint.read(path), device);
    }

    public static CausalLm fromCheckpoint(DecoderCheckpoint ck, Device device) {
        NDManager manager = Engines.newManager(device);
        Tokenizer tok = null;
        try {
            tok = ck.tokenizer();
            CausalLm lm = new CausalLm(manager, Decoder.create(manager, ck.config()), tok, ck.tokenizerConfig(),
                    ck.source().toString());
            // A tied checkpoint may still carry lm_head.weight (a copy of the embeddings): not needed.
            boolean tied = ck.config().tieEmbeddings();
            lm.params.load(ck.tensors(), List.of(), n -> n.startsWith("score.") || (tied && n.equals("lm_head.weight"))
                    || (!n.startsWith("lm_head.") && DecoderCheckpoint.NOT_BACKBONE.test(n)));
            return lm;
        } catch (RuntimeException e) {
            if (tok != null) tok.close();
            manager.close();
            throw e;
        }
    }

    /** A decoder of the given shape with N(0, 0.02²) weights, for training from scratch. */
    public static CausalLm scratch(DecoderConfig config, Tokenizer tokenizer, Device device, long seed) {
        NDManager manager = Engines.newManager(device);
        Decoder d = Decoder.create(manager, config);
        CausalLm lm = new CausalLm(manager, d, tokenizer, JSON.createObjectNode(), "scratch");
        d.initRandom(seed);
        if (!config.tieEmbeddings()) {
            java.util.Random rnd = new java.util.Random(seed ^ 0x5DEECE66DL);
            float[] v = new float[Math.toIntExact(lm.lmHead.size())];
            for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
            dev.rlhf4j.engine.Engines.assign(lm.lmHead, v);
        }
        return lm;
    }

    public Decoder decoder() {
        return decoder;
    }

    public DecoderConfig config() {
        return decoder.config();
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** What training updates: the LoRA adapter's A and B when the decoder carries one, else every parameter. */
    public ModelParameters trainableParameters() {
        return decoder.adapter() instanceof dev.rlhf4j.model.lora.LoraAdapter a ? a.parameters() : params;
    }

    public ModelParameters parameters() {
        return params;
    }

    public NDManager manager() {
        return manager;
    }

    public String name() {
        return name;
    }

    /** Token ids of a text as the model reads it: BOS first where the family uses one. */
    public int[] encode(String text) {
        return withBos(tokenizer.encode(text), true);
    }

    /** Token ids of a text rendered by a chat template: BOS added unless the template already wrote it. */
    public int[] encodeRendered(String text) {
        return withBos(tokenizer.encode(text), false);
    }

    private int[] withBos(int[] ids, boolean always) {
        DecoderConfig c = config();
        if (!c.addBos() || c.bosId() < 0 || !always && ids.length > 0 && ids[0] == c.bosId()) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = c.bosId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    /** The checkpoint's tokenizer_config.json (chat template, special tokens); empty when it had none. */
    public JsonNode tokenizerConfig() {
        return tokenizerConfig;
    }

    public String decode(int[] ids) {
        return tokenizer.decode(ids);
    }

    /** Logits of hidden states (…, H) → (…, V), soft-capped where the config caps them (Gemma-2: cap · tanh(z / cap)). */
    public NDArray logits(NDArray hidden) {
        NDArray z = hidden.matMul(lmHead.transpose());
        float cap = (float) config().finalSoftcap();
        return cap > 0 ? Scalars.mul(Scalars.div(z, cap).tanh(), cap) : z;
    }

    /** Logits at the last position of one unpadded sequence. */
    public float[] lastLogits(int[] ids) {
        try (NDScope scope = new NDScope()) {
            TokenBatch b = single(ids);
            NDArray h = decoder.forward(BatchTensors.ids(manager, b), BatchTensors.mask(manager, b), null, false);
            return logits(h.get(new NDIndex(":, -1, :"))).toFloatArray();
        }
    }

    /** Mean next-token negative log-likelihood over one unpadded sequence (nats), as transformers' LM loss. */
    public double loss(int[] ids) {
        if (ids.length < 2) throw new IllegalArgumentException("the loss needs at least 2 tokens, got " + ids.length);
        try (NDScope scope = new NDScope()) {
            return -tokenLogProbs(single(ids), false).mean().getFloat();
        }
    }

    private static TokenBatch single(int[] ids) {
        return TokenBatch.prompts(List.of(ids), 0, 0);
    }

    /** Next-token log-probabilities of a batch's tokens and, where asked, the entropy of each predicted distribution. */
    public record LogProbs(NDArray tokens, NDArray entropy) {}

    /**
     * log p(token t+1 | tokens ≤ t) for every position: (rows, cols − 1), the one log-probability path (SFT's loss,
     * perplexity, PPO's old, reference and new log-probabilities). Rows may be left- or right-padded; entries whose
     * target is padding are meaningless: weigh them by {@link BatchTensors#targetMask}.
     */
    public NDArray tokenLogProbs(TokenBatch batch, boolean training) {
        return logProbs(batch, training, false).tokens();
    }

    /**
     * {@link #tokenLogProbs} and, beside it, the entropy (rows, cols − 1) of each position's next-token distribution.
     * The entropy is a statistic: computed from detached log-probabilities, it records nothing for backward.
     */
    public LogProbs logProbs(TokenBatch batch, boolean training, boolean entropy) {
        NDArray ids = BatchTensors.ids(manager, batch);
        long b = batch.rows(), t = batch.cols(), n = b * (t - 1);
        NDArray hidden = decoder.forward(ids, BatchTensors.mask(manager, batch), null, training).get(new NDIndex(":, :-1, :"))
                .reshape(n, config().hiddenSize());
        NDArray targets = ids.get(new NDIndex(":, 1:")).reshape(n, 1);
        long perChunk = positionsPerChunk(config().vocabSize(), logitBytes);
        if (n <= perChunk) {
            NDArray[] out = gatherChunk(hidden, targets, entropy);
            return new LogProbs(out[0].reshape(b, t - 1), entropy ? out[1].reshape(b, t - 1) : null);
        }
        long[] cuts = Chunking.equalCuts(n, perChunk);
        int chunks = cuts.length + 1;
        // split, not slicing: its backward concatenates the chunks' gradients into the one hidden-state gradient.
        NDList hs = hidden.split(cuts, 0), ts = targets.split(cuts, 0);
        NDList lps = new NDList(chunks), ents = new NDList(chunks);
        for (int i = 0; i < chunks; i++) {
            NDArray[] out = gatherChunk(hs.get(i), ts.get(i), entropy);
            lps.add(out[0]);
            if (entropy) ents.add(out[1]);
        }
        NDArray lp = NDArrays.concat(lps, 0).reshape(b, t - 1);
        return new LogProbs(lp, entropy ? NDArrays.concat(ents, 0).reshape(b, t - 1) : null);
    }

    /**
     * Positions whose logits (positions × vocabulary, fp32) fit in {@code budgetBytes}, at least one: log-probabilities
     * never make the whole batch × length × vocabulary at once.
     */
    static long positionsPerChunk(long vocab, long budgetBytes) {
        return Math.max(1, budgetBytes / Math.max(1, 4L * vocab));
    }

    /** Budget of one chunk's logits; {@link Chunking#BUDGET_BYTES} unless set. */
    private long logitBytes = Chunking.BUDGET_BYTES;

    /** Sets the budget of one chunk's logits (bytes). */
    void logitChunkBytes(long bytes) {
        this.logitBytes = bytes;
    }

    /**
     * log p(target) (and the entropy) of hidden states (P, H) with targets (P, 1): the logits, their log-softmax and
     * the entropy's products live only inside this call (autograd keeps what backward needs by its own reference).
     */
    private NDArray[] gatherChunk(NDArray hidden, NDArray targets, boolean entropy) {
        NDArray lp, ent = null;
        try (NDScope scope = new NDScope()) {
            NDArray logp = logits(hidden).logSoftmax(-1);
            lp = logp.gather(targets, 1).reshape(-1);
            NDScope.unregister(lp);
            if (entropy) {
                NDArray d = logp.stopGradient();
                ent = d.exp().mul(d).sum(new int[] {-1}).neg();
                NDScope.unregister(ent);
            }
        }
        NDScope.register(lp); // into the caller's scope, if any, as if made there
        if (ent != null) NDScope.register(ent);
        return new NDArray[] {lp, ent};
    }

    /** Summed negative log-likelihood of a batch's target tokens ({@link TokenBatch#targetMask}): a scalar. */
    public NDArray targetNll(TokenBatch batch, boolean training) {
        return tokenLogProbs(batch, training).mul(BatchTensors.targetMask(manager, batch)).sum().neg();
    }

    /**
     * Writes a directory transformers loads as {@code *ForCausalLM}: config.json, model.safetensors,
     * tokenizer.json, tokenizer_config.json and provenance.json, each replaced atomically.
     */
    public void save(Path dir, ObjectNode provenance) {
        if (decoder.adapter() instanceof dev.rlhf4j.model.lora.LoraAdapter a) { // LoRA: the adapter in PEFT's layout
            dev.rlhf4j.model.lora.Adapters.save(this, a, dir, provenance);
            return;
        }
        DecoderModels.write(dir, params, config(), config().toJson(config().family().causalLmClass()), tokenizer, tokenizerConfig, provenance);
    }

    @Override
    public void close() {
        tokenizer.close();
        manager.close();
    }
}
