package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.model.Backbone;
import dev.rlhf4j.model.Chunking;
import dev.rlhf4j.model.LinearAdapter;
import dev.rlhf4j.model.ModelParameters;

import java.util.Random;
import dev.rlhf4j.engine.Recompute;
import dev.rlhf4j.engine.Scalars;

/**
 * A causal transformer decoder (Llama family, Gemma-2 or GPT-2) as tensor code over Hugging Face–named parameters.
 *
 * <p>Positions come from the attention mask (cumulative count of real tokens), so left padding, right
 * padding and a sequence alone give the same hidden states on every real token. Attention masks padding
 * keys and future keys with a large finite negative (−inf would turn fully masked pad rows into NaN).
 *
 * <p>{@link #forward} with a {@link KvCache} runs only the new tokens; without one it runs the whole
 * sequence. Hidden states are returned after the final norm, which is what the LM head and a reward head
 * read in transformers.
 */
public abstract class Decoder implements Backbone {
    static final float MASKED = -1e9f;

    protected final DecoderConfig config;
    protected final ModelParameters params = new ModelParameters();
    protected float dropout;

    private final float[] inverseFrequencies;
    /** rotate_half as a matrix: x · R = cat(−x[half:], x[:half]), one matmul instead of two slices, a negation and a concat. */
    private NDArray rotateHalf;

    protected Decoder(DecoderConfig config) {
        this.config = config;
        this.dropout = (float) config.dropout();
        this.inverseFrequencies = RotaryTables.inverseFrequencies(config);
    }

    /** Builds the constant rotate-half matrix in the parameters' manager (not a parameter: never trained or saved). */
    protected void initRotary(NDManager manager) {
        int hd = config.headDim(), half = hd / 2;
        float[] r = new float[hd * hd];
        for (int j = 0; j < half; j++) {
            r[(j + half) * hd + j] = -1f; // out[j] = −x[j + half]
            r[j * hd + j + half] = 1f;    // out[j + half] = x[j]
        }
        rotateHalf = manager.create(r, new Shape(hd, hd));
    }

    /** Creates the decoder of {@code config}'s family with zero weights. */
    public static Decoder create(NDManager manager, DecoderConfig config) {
        return switch (config.family()) {
            case GPT2 -> new Gpt2Decoder(manager, config);
            case GEMMA2 -> new Gemma2Decoder(manager, config);
            case LLAMA, MISTRAL, QWEN2, QWEN3 -> new LlamaDecoder(manager, config);
        };
    }

    public DecoderConfig config() {
        return config;
    }

    /** The token embedding table (V, H): the LM head's weight when embeddings are tied. */
    public abstract NDArray tokenEmbeddings();

    /**
     * Per-forward context shared by every layer: positions, the attention bias of full layers and of sliding
     * layers ({@code windowBias}, null when no layer slides), the rotary tables.
     */
    protected record Step(long batch, long tokens, long keys, NDArray positions, NDArray bias, NDArray windowBias,
                          NDArray cos, NDArray sin, KvCache cache, boolean training) {}

    /** Embeddings of {@code ids} at {@code positions}: (B·T, H). */
    protected abstract NDArray embed(NDArray ids, Step s);

    /** Layer {@code i} over (B·T, H). */
    protected abstract NDArray layer(int i, NDArray x, Step s);

    /** The final norm over (B·T, H). */
    protected abstract NDArray finalNorm(NDArray x);

    /** Whether the family uses rotary embeddings (GPT-2 has learned positions instead). */
    protected abstract boolean rotary();

    /**
     * Hidden states after the final norm of the new tokens: (B, T, H).
     *
     * @param ids     (B, T) int64: the new tokens (the whole sequence when {@code cache} is null or empty)
     * @param keyMask (B, past + T) float32: 1 for real tokens, 0 for padding, over the cached and the new tokens
     * @param cache   keys and values of earlier tokens, extended by this call; null runs without a cache
     */
    public NDArray forward(NDArray ids, NDArray keyMask, KvCache cache, boolean training) {
        if (cache == null) { // a few sequences at a time when the batch's intermediates would exceed the budget
            long t = ids.getShape().get(1);
            return Chunking.byRows(ids, keyMask, sequencesPerChunk(t), (i, m) -> pass(i, m, null, training));
        }
        return pass(ids, keyMask, cache, training);
    }

    /**
     * Sequences per chunk of a cache-free pass (at least one): the largest per-sequence intermediate is the score
     * tensor (heads × T²) or a feed-forward activation (T × F).
     */
    long sequencesPerChunk(long t) {
        return Chunking.sequencesPerChunk(t, config.numHeads(), config.intermediateSize(), config.hiddenSize(), chunkBytes);
    }

    private long chunkBytes = Chunking.BUDGET_BYTES;

    /** For tests: a smaller budget forces the chunked path on tiny models. */
    void chunkBytes(long bytes) {
        this.chunkBytes = bytes;
    }

    private NDArray pass(NDArray ids, NDArray keyMask, KvCache cache, boolean training) {
        Step s = step(ids, keyMask, cache, training);
        NDArray x = layers(embed(ids, s), 0, s);
        if (cache != null) cache.advance((int) s.tokens());
        return finalNorm(x).reshape(s.batch(), s.tokens(), config.hiddenSize());
    }

    /**
     * The generation path of {@link #forward}: inputs on the host, so positions, the attention bias and the
     * rotary tables are computed in Java instead of a score of small tensor ops per step (at one token per step,
     * op dispatch, not arithmetic, is the cost).
     *
     * @param ids     (rows × T) new token ids, row-major
     * @param keyMask (rows × (past + T)) 1 for real tokens, 0 for padding, over cached and new tokens
     */
    public NDArray forward(long[] ids, float[] keyMask, int rows, KvCache cache, NDManager m) {
        int t = ids.length / rows, keys = keyMask.length / rows;
        int past = cache == null ? 0 : cache.length();
        if (keys != past + t) {
            throw new IllegalArgumentException("attention mask covers " + keys + " tokens, expected " + (past + t));
        }
        if (keys > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + keys + " tokens exceeds max_position_embeddings " + config.maxPositions());
        }
        long[] pos = new long[rows * t];
        float[] bias = new float[rows * t * keys];
        int window = config.slidingWindow();
        float[] windowBias = config.anySliding() ? new float[rows * t * keys] : null;
        for (int r = 0; r < rows; r++) {
            int seen = 0;
            for (int k = 0; k < keys; k++) {
                if (keyMask[r * keys + k] != 0f) seen++;
                if (k >= past) pos[r * t + k - past] = Math.max(0, seen - 1);
            }
            for (int q = 0; q < t; q++) {
                int qi = past + q, off = (r * t + q) * keys;
                for (int k = 0; k < keys; k++) {
                    boolean hidden = k > qi || keyMask[r * keys + k] == 0f;
                    bias[off + k] = hidden ? MASKED : 0f;
                    if (windowBias != null) windowBias[off + k] = hidden || k <= qi - window ? MASKED : 0f;
                }
            }
        }
        NDArray cos = null, sin = null;
        if (rotary()) {
            float[] inv = inverseFrequencies;
            int hd = config.headDim(), half = hd / 2;
            float[] c = new float[rows * t * hd], sn = new float[rows * t * hd];
            for (int i = 0; i < rows * t; i++) {
                float p = (float) pos[i];
                for (int j = 0; j < half; j++) {
                    float f = p * inv[j];
                    float cf = (float) Math.cos(f), sf = (float) Math.sin(f);
                    c[i * hd + j] = cf;
                    c[i * hd + half + j] = cf;
                    sn[i * hd + j] = sf;
                    sn[i * hd + half + j] = sf;
                }
            }
            cos = m.create(c, new Shape(rows, t, 1, hd));
            sin = m.create(sn, new Shape(rows, t, 1, hd));
        }
        NDArray idArray = m.create(ids, new Shape(rows, t));
        adapterTraining = false;
        Shape biasShape = new Shape(rows, 1, 1, t, keys);
        Step s = new Step(rows, t, keys, m.create(pos, new Shape(rows, t)), m.create(bias, biasShape),
                windowBias == null ? null : m.create(windowBias, biasShape), cos, sin, cache, false);
        NDArray x = embed(idArray, s);
        for (int i = 0; i < config.numLayers(); i++) x = layer(i, x, s);
        if (cache != null) cache.advance(t);
        return finalNorm(x).reshape(rows, t, config.hiddenSize());
    }

    @Override
    public NDArray hiddenStates(NDArray ids, NDArray typeIds, NDArray mask, boolean training) {
        return forward(ids, mask, null, training);
    }

    @Override
    public NDArray lowerStates(NDArray ids, NDArray typeIds, NDArray mask, int upTo, boolean training) {
        return Chunking.byRows(ids, mask, sequencesPerChunk(ids.getShape().get(1)), (rows, m) -> {
            Step s = step(rows, m, null, training);
            NDArray x = embed(rows, s);
            for (int i = 0; i < upTo; i++) x = layer(i, x, s);
            return x.reshape(s.batch(), s.tokens(), config.hiddenSize());
        });
    }

    @Override
    public NDArray upperStates(NDArray lower, NDArray mask, int from, boolean training) {
        return Chunking.byRows(lower, mask, sequencesPerChunk(lower.getShape().get(1)), (rows, m) -> {
            long b = rows.getShape().get(0);
            long t = rows.getShape().get(1);
            Step s = step(m, training, b, t);
            NDArray x = layers(rows.reshape(b * t, config.hiddenSize()), from, s);
            return finalNorm(x).reshape(b, t, config.hiddenSize());
        });
    }

    /** Layers [from, numLayers) over (B·T, H); with recomputation on and a training loop's {@link Recompute} open, recomputed. */
    private NDArray layers(NDArray x, int from, Step s) {
        int n = config.numLayers();
        if (recompute && s.cache() == null && Recompute.active()) {
            return Recompute.blocks(x, n - from, s.training(), from == 0 && embeddingsTrain(), (k, in) -> {
                adapterTraining = s.training(); // the deferred backward runs after other passes may have set it
                return layer(from + k, in, s);
            });
        }
        // Cache-free and without autograd (scoring): each layer in its own scope, only its output kept (the BERT
        // encoder's chunks do the same); a cache's keys and values, and autograd's saved tensors, must outlive it.
        boolean perLayer = s.cache() == null && !dev.rlhf4j.engine.Engines.gradMode();
        for (int i = from; i < n; i++) {
            if (!perLayer) {
                x = layer(i, x, s);
                continue;
            }
            NDArray in = x;
            int li = i;
            x = Recompute.keep(() -> layer(li, in, s));
            if (li > from) in.close(); // the previous layer's output (the first layer's input is the caller's)
        }
        return x;
    }

    private boolean recompute;

    /** Whether a tensor below the layers (embeddings, learned positions) is trained. */
    private boolean embeddingsTrain() {
        for (var e : params.asMap().entrySet()) {
            if (layerOf(e.getKey()) < 0 && !isFinalNorm(e.getKey()) && e.getValue().hasGradient()) return true;
        }
        return false;
    }

    @Override
    public void recompute(boolean on) {
        this.recompute = on;
    }

    private Step step(NDArray ids, NDArray keyMask, KvCache cache, boolean training) {
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        long past = cache == null ? 0 : cache.length();
        if (keyMask.getShape().get(1) != past + t) {
            throw new IllegalArgumentException("attention mask covers " + keyMask.getShape().get(1) + " tokens, expected "
                    + (past + t) + " (" + past + " cached + " + t + " new)");
        }
        if (past + t > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + (past + t) + " tokens exceeds max_position_embeddings "
                    + config.maxPositions());
        }
        return build(keyMask, cache, training, b, t, past);
    }

    private Step step(NDArray mask, boolean training, long b, long t) {
        return build(mask, null, training, b, t, 0);
    }

    private Step build(NDArray keyMask, KvCache cache, boolean training, long b, long t, long past) {
        NDManager m = keyMask.getManager();
        adapterTraining = training;
        long keys = past + t;
        // Position of each token = number of real tokens before it; pads get 0 (they are never attended to).
        NDArray positions = Scalars.maximum(keyMask.cumSum(1).sub(1f), 0f);
        if (past > 0) positions = positions.get(new NDIndex(":, {}:", past));
        // (T, K): key j is hidden from query i (absolute index past + i) when j > past + i, or outside the window.
        NDArray keyIdx = m.arange(0f, (float) keys, 1f).reshape(1, keys);
        NDArray queryIdx = m.arange((float) past, (float) keys, 1f).reshape(t, 1);
        NDArray future = keyIdx.gt(queryIdx);
        NDArray padding = Scalars.mul(keyMask.neg().add(1f), MASKED).reshape(b, 1, 1, 1, keys);
        NDArray bias = Scalars.mul(future.toType(DataType.FLOAT32, false), MASKED).reshape(1, 1, 1, t, keys).add(padding); // (B, 1, 1, T, K)
        NDArray windowBias = null;
        if (config.anySliding()) {
            NDArray outside = future.logicalOr(keyIdx.lte(queryIdx.sub((float) config.slidingWindow())));
            windowBias = Scalars.mul(outside.toType(DataType.FLOAT32, false), MASKED).reshape(1, 1, 1, t, keys).add(padding);
        }
        NDArray cos = null, sin = null;
        if (rotary()) {
            NDArray freqs = positions.expandDims(2).mul(m.create(inverseFrequencies)); // (B, T, hd/2)
            NDArray emb = freqs.concat(freqs, 2).expandDims(2); // (B, T, 1, hd)
            cos = emb.cos();
            sin = emb.sin();
        }
        return new Step(b, t, keys, positions.toType(DataType.INT64, false), bias, windowBias, cos, sin, cache, training);
    }

    /**
     * Attention of layer {@code layer}: q (B, T, nh, hd), k and v (B, T, kvh, hd) of the new tokens (rotary
     * applied) → (B·T, nh·hd). Query heads are grouped by the KV head they share, so grouped-query attention
     * needs no copy of K or V. Scores are scaled by 1/√{@code query_pre_attn_scalar} (head_dim unless the config
     * says otherwise) and soft-capped before the mask where the config caps them (Gemma-2), as transformers does.
     */
    protected NDArray attend(int layer, NDArray q, NDArray k, NDArray v, Step s) {
        long b = s.batch(), t = s.tokens(), keys = s.keys();
        int kvh = config.numKvHeads(), rep = config.groups(), hd = config.headDim();
        NDArray kT = k.transpose(0, 2, 3, 1); // (B, kvh, hd, T): kept transposed, ready for q · kᵀ
        v = v.transpose(0, 2, 1, 3);          // (B, kvh, T, hd)
        if (s.cache() != null) {
            NDArray[] kv = s.cache().append(layer, kT, v);
            kT = kv[0];
            v = kv[1];
        }
        // One token per row (generation): (B, 1, nh, hd) is already laid out as (B, kvh, rep, hd).
        NDArray qg = t == 1 ? q.reshape(b, kvh, rep, hd)
                : q.reshape(b, t, kvh, rep, hd).transpose(0, 2, 3, 1, 4).reshape(b, kvh, rep * t, hd);
        NDArray scores = Scalars.mul(qg, (float) (1.0 / Math.sqrt(config.queryPreAttnScalar()))).matMul(kT); // (B, kvh, rep·T, K)
        float cap = (float) config.attnSoftcap();
        if (cap > 0) scores = Scalars.mul(Scalars.div(scores, cap).tanh(), cap);
        scores = scores.reshape(b, kvh, rep, t, keys).add(config.slidingLayer(layer) ? s.windowBias() : s.bias());
        NDArray probs = dropout(scores.softmax(-1), s.training()).reshape(b, kvh, rep * t, keys);
        NDArray ctx = probs.matMul(v);                                                // (B, kvh, rep·T, hd)
        return t == 1 ? ctx.reshape(b, (long) kvh * rep * hd)
                : ctx.reshape(b, kvh, rep, t, hd).transpose(0, 3, 1, 2, 4).reshape(b * t, (long) kvh * rep * hd);
    }

    /** x (B, T, heads, hd) rotated by the step's positions (Hugging Face half-rotation layout). */
    protected NDArray rope(NDArray x, Step s) {
        return x.mul(s.cos()).add(x.matMul(rotateHalf).mul(s.sin()));
    }

    protected NDArray dropout(NDArray x, boolean training) {
        return training && dropout > 0 ? Dropout.dropout(x, dropout, true).singletonOrThrow() : x;
    }

    protected NDArray linear(NDArray x, NDArray w, NDArray bias) {
        NDArray y = Linear.linear(x, w, bias).singletonOrThrow();
        if (adapter == null) return y;
        NDArray d = adapter.delta(w.getName(), x, adapterTraining);
        return d == null ? y : y.add(d);
    }

    /** LoRA or another term on the linear layers (see {@link LinearAdapter}); null when none. */
    private LinearAdapter adapter;
    /** Whether the pass under way trains: the adapter's dropout reads it (linear layers do not see the step). */
    private boolean adapterTraining;

    @Override
    public void adapt(LinearAdapter adapter) {
        this.adapter = adapter;
    }

    /** The adapter on the linear layers, or null. */
    public LinearAdapter adapter() {
        return adapter;
    }

    /** The name prefix of layer parameters, before the layer index ({@code model.layers.} or {@code transformer.h.}). */
    protected abstract String layerPrefix();

    /** Layer index of a parameter name ({@code model.layers.3.…} or {@code transformer.h.3.…}), or −1. */
    private int layerOf(String name) {
        String p = layerPrefix();
        if (!name.startsWith(p)) return -1;
        return Integer.parseInt(name.substring(p.length(), name.indexOf('.', p.length())));
    }

    @Override
    public ModelParameters parametersFrom(int from) {
        ModelParameters p = new ModelParameters();
        for (var e : params.asMap().entrySet()) {
            int layer = layerOf(e.getKey());
            boolean finalNorm = layer < 0 && isFinalNorm(e.getKey());
            if (layer >= from || finalNorm) p.add(e.getKey(), e.getValue());
        }
        return p;
    }

    protected abstract boolean isFinalNorm(String name);

    /** Weights N(0, 0.02²), norm scales {@link #normScaleInit}, biases 0: GPT-2 and Llama's initialisation, for training from scratch. */
    public void initRandom(long seed) {
        Random rnd = new Random(seed);
        for (var e : params.asMap().entrySet()) {
            NDArray a = e.getValue();
            float[] v = new float[Math.toIntExact(a.size())];
            String n = e.getKey();
            if (isNormScale(n)) {
                java.util.Arrays.fill(v, normScaleInit());
            } else if (n.endsWith("weight")) {
                for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
            }
            dev.rlhf4j.engine.Engines.assign(a, v);
        }
    }

    protected abstract boolean isNormScale(String name);

    /** The initial value of norm scales: 1, or 0 where the norm multiplies by (1 + w) (Gemma). */
    protected float normScaleInit() {
        return 1f;
    }

    /** RMSNorm over the last axis as transformers computes it: x · rsqrt(mean(x²) + eps), before the scale. */
    protected NDArray rmsNormalise(NDArray x) {
        NDArray variance = Scalars.pow(x, 2f).mean(new int[] {-1}, true);
        return x.mul(Scalars.pow(variance.add((float) config.normEps()), -0.5f));
    }

    /** The tanh approximation of GELU (GPT-2's {@code gelu_new}, Gemma's {@code gelu_pytorch_tanh}): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    protected static NDArray geluTanh(NDArray x) {
        NDArray inner = Scalars.mul(x.add(Scalars.mul(Scalars.pow(x, 3f), 0.044715f)), SQRT_2_OVER_PI);
        return Scalars.mul(x, 0.5f).mul(inner.tanh().add(1f));
    }

    private static final float SQRT_2_OVER_PI = (float) Math.sqrt(2 / Math.PI);

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int numLayers() {
        return config.numLayers();
    }

    @Override
    public ModelParameters parameters() {
        return params;
    }

    /** The backbone's config.json, as a causal LM (callers replace {@code architectures} for other heads). */
    @Override
    public ObjectNode configJson() {
        return config.toJson(config.family().causalLmClass());
    }

    @Override
    public dev.rlhf4j.model.ModelFamily family() {
        return DecoderModels.FAMILY;
    }

    @Override
    public void setDropout(float p) {
        this.dropout = p;
    }
}
