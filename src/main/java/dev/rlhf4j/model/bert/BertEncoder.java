package dev.rlhf4j.model.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.Backbone;
import dev.rlhf4j.model.Chunking;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.engine.Recompute;
import dev.rlhf4j.engine.Scalars;

/**
 * A BERT encoder with Hugging Face numerics (post-LayerNorm residual blocks, erf GELU, eps from the
 * config), written as plain tensor code over named parameters.
 *
 * <p>Every op takes the per-step activation as its first operand, so results belong to the step's
 * memory scope rather than to the parameters' manager.
 */
public final class BertEncoder implements Backbone {
    /** Added to attention scores of padding: large and finite, since −inf turns rows into NaN. */
    private static final float MASKED = -1e4f;

    private final BertConfig config;
    private final ModelParameters params = new ModelParameters();
    private final NDArray wordEmb, posEmb, typeEmb, embLnW, embLnB;
    private final Layer[] layers;
    private float hiddenDropout;
    private float attentionDropout;

    private record Layer(NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB,
                         NDArray oW, NDArray oB, NDArray ln1W, NDArray ln1B,
                         NDArray iW, NDArray iB, NDArray fW, NDArray fB, NDArray ln2W, NDArray ln2B) {}

    /** Creates the encoder with zero weights; {@link #parameters()}.load fills them. */
    public BertEncoder(NDManager manager, BertConfig c) {
        this.config = c;
        this.hiddenDropout = (float) c.hiddenDropout();
        this.attentionDropout = (float) c.attentionDropout();
        int h = c.hiddenSize();
        wordEmb = params.zeros(manager, "embeddings.word_embeddings.weight", c.vocabSize(), h);
        posEmb = params.zeros(manager, "embeddings.position_embeddings.weight", c.maxPositions(), h);
        typeEmb = params.zeros(manager, "embeddings.token_type_embeddings.weight", c.typeVocabSize(), h);
        embLnW = params.zeros(manager, "embeddings.LayerNorm.weight", h);
        embLnB = params.zeros(manager, "embeddings.LayerNorm.bias", h);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "encoder.layer." + i + ".";
            int f = c.intermediateSize();
            layers[i] = new Layer(
                    params.zeros(manager, p + "attention.self.query.weight", h, h),
                    params.zeros(manager, p + "attention.self.query.bias", h),
                    params.zeros(manager, p + "attention.self.key.weight", h, h),
                    params.zeros(manager, p + "attention.self.key.bias", h),
                    params.zeros(manager, p + "attention.self.value.weight", h, h),
                    params.zeros(manager, p + "attention.self.value.bias", h),
                    params.zeros(manager, p + "attention.output.dense.weight", h, h),
                    params.zeros(manager, p + "attention.output.dense.bias", h),
                    params.zeros(manager, p + "attention.output.LayerNorm.weight", h),
                    params.zeros(manager, p + "attention.output.LayerNorm.bias", h),
                    params.zeros(manager, p + "intermediate.dense.weight", f, h),
                    params.zeros(manager, p + "intermediate.dense.bias", f),
                    params.zeros(manager, p + "output.dense.weight", h, f),
                    params.zeros(manager, p + "output.dense.bias", h),
                    params.zeros(manager, p + "output.LayerNorm.weight", h),
                    params.zeros(manager, p + "output.LayerNorm.bias", h));
        }
    }

    /**
     * Random initialisation as in BERT pre-training (weights N(0, 0.02²), biases 0, LayerNorm scale 1), for
     * training from scratch and for tests on tiny models.
     */
    public void initRandom(long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        for (var e : params.asMap().entrySet()) {
            NDArray a = e.getValue();
            float[] v = new float[(int) a.size()];
            if (e.getKey().endsWith("LayerNorm.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (e.getKey().endsWith("weight")) {
                for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * 0.02);
            }
            dev.rlhf4j.engine.Engines.assign(a, v);
        }
    }

    public BertConfig config() {
        return config;
    }

    @Override
    public NDArray hiddenStates(NDArray ids, NDArray typeIds, NDArray mask, boolean training) {
        return upperStates(lowerStates(ids, typeIds, mask, 0, training), mask, 0, training);
    }

    @Override
    public int numLayers() {
        return layers.length;
    }

    @Override
    public NDArray lowerStates(NDArray ids, NDArray typeIds, NDArray mask, int upTo, boolean training) {
        long t = ids.getShape().get(1);
        if (t > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + t + " tokens exceeds max_position_embeddings " + config.maxPositions());
        }
        NDArray positions = ids.getManager().arange(0, (int) t, 1, DataType.INT64).expandDims(0); // (1, T)
        NDArray x = wordEmbeddings(ids)                                 // (B, T, H)
                .add(emb(positions, posEmb))
                .add(emb(typeIds, typeEmb));
        x = dropout(layerNorm(x, embLnW, embLnB), hiddenDropout, training);
        return run(x, mask, 0, upTo, training);
    }

    @Override
    public NDArray upperStates(NDArray lower, NDArray mask, int from, boolean training) {
        return run(lower, mask, from, layers.length, training);
    }

    /**
     * Only the [CLS] row of the last layer's output is read by CLS pooling, and that row needs the last layer's keys
     * and values of every token but its query, attention output, feed-forward and LayerNorms at position 0 only: the
     * last layer then costs its K and V projections, about a sixth of a full layer. Every op is the full path's,
     * on fewer rows.
     */
    @Override
    public NDArray firstTokenStates(NDArray lower, NDArray mask, int from, boolean training) {
        if (from >= layers.length) return lower.get(":, 0, :");
        long b = lower.getShape().get(0);
        long t = lower.getShape().get(1);
        int h = config.hiddenSize();
        int nh = config.numHeads();
        int hd = config.headDim();
        NDArray below = run(lower, mask, from, layers.length - 1, training);                 // (B, T, H)
        NDArray x = below.reshape(b * t, h);
        NDArray first = below.get(":, 0, :");                                               // (B, H)
        Layer l = layers[layers.length - 1];
        NDArray q = heads(linear(first, l.qW, l.qB), b, 1, nh, hd);                        // (B, nh, 1, hd)
        NDArray k = heads(linear(x, l.kW, l.kB), b, t, nh, hd);                            // (B, nh, T, hd)
        NDArray v = heads(linear(x, l.vW, l.vB), b, t, nh, hd);
        NDArray scores = Scalars.mul(q, scale()).matMul(k.transpose(0, 1, 3, 2)).add(maskBias(mask, b, t)); // (B, nh, 1, T)
        NDArray probs = dropout(scores.softmax(-1), attentionDropout, training);
        NDArray ctx = probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, h);                // (B, H)
        NDArray attn = dropout(linear(ctx, l.oW, l.oB), hiddenDropout, training);
        NDArray y = layerNorm(attn.add(first), l.ln1W, l.ln1B);
        NDArray out = dropout(linear(Activation.gelu(linear(y, l.iW, l.iB)), l.fW, l.fB), hiddenDropout, training);
        return layerNorm(out.add(y), l.ln2W, l.ln2B);
    }

    @Override
    public ModelParameters parametersFrom(int from) {
        ModelParameters p = new ModelParameters();
        for (var e : params.asMap().entrySet()) {
            String name = e.getKey();
            if (name.startsWith("encoder.layer.")) {
                int i = Integer.parseInt(name.substring("encoder.layer.".length(), name.indexOf('.', "encoder.layer.".length())));
                if (i >= from) p.add(name, e.getValue());
            }
        }
        return p;
    }

    /**
     * Layers [from, to) over (B, T, H) hidden states, a few sequences at a time when the batch's largest
     * intermediate (the B·heads·T² attention scores or the B·T×F feed-forward activations) would exceed the budget
     * ({@link Chunking}).
     */
    private NDArray run(NDArray input, NDArray mask, int from, int to, boolean training) {
        adapterTraining = training;
        if (from >= to) return input;
        long t = input.getShape().get(1);
        if (recompute && Recompute.active()) {
            boolean embeddingsTrain = from == 0 && (wordEmb.hasGradient() || posEmb.hasGradient() || typeEmb.hasGradient()
                    || embLnW.hasGradient() || embLnB.hasGradient()); // else the input has no graph (cached lower layers)
            return Recompute.blocks(input, to - from, training, embeddingsTrain, (k, in) -> {
                adapterTraining = training; // the deferred backward runs after other passes may have set it
                int i = from + k;
                Layer l = layers[i];
                NDArray[] w = {NDArrays.concat(new NDList(l.qW, l.kW, l.vW), 0)}, b = {NDArrays.concat(new NDList(l.qB, l.kB, l.vB), 0)};
                return Chunking.byRows(in, mask, sequencesPerChunk(t), (c, m) -> runChunk(c, m, i, i + 1, w, b, training));
            });
        }
        // Q, K and V as one projection: their weights joined once per pass, not once per chunk.
        NDArray[] qkvW = new NDArray[to - from], qkvB = new NDArray[to - from];
        for (int i = from; i < to; i++) {
            Layer l = layers[i];
            qkvW[i - from] = NDArrays.concat(new NDList(l.qW, l.kW, l.vW), 0);
            qkvB[i - from] = NDArrays.concat(new NDList(l.qB, l.kB, l.vB), 0);
        }
        return Chunking.byRows(input, mask, sequencesPerChunk(t), (in, m) -> runChunk(in, m, from, to, qkvW, qkvB, training));
    }

    private boolean recompute;

    @Override
    public void recompute(boolean on) {
        this.recompute = on;
    }

    /** Sequences per chunk (at least one). For MiniLM: 21 sequences of 128 tokens, 5 of 256, 1 of 512. */
    long sequencesPerChunk(long t) {
        return Chunking.sequencesPerChunk(t, config.numHeads(), config.intermediateSize(), config.hiddenSize(), chunkBytes);
    }

    private long chunkBytes = Chunking.BUDGET_BYTES;

    /** For tests: a smaller budget forces the chunked path on tiny models. */
    void chunkBytes(long bytes) {
        this.chunkBytes = bytes;
    }

    /**
     * Layers [from, to) over one chunk; {@code qkvW[i − from]} / {@code qkvB[i − from]} are layer i's joined Q, K, V.
     * Without autograd (scoring) each layer runs in its own scope and only its output is kept: otherwise every layer's
     * intermediates (77–110 MB per layer at 5 sequences of 256 tokens or 21 of 128) stayed until the chunk
     * returned, all of MiniLM's layers at once. Under autograd the backward pass reads them, and the pass is as before.
     */
    private NDArray runChunk(NDArray input, NDArray mask, int from, int to, NDArray[] qkvW, NDArray[] qkvB, boolean training) {
        long b = input.getShape().get(0);
        long t = input.getShape().get(1);
        int h = config.hiddenSize();
        NDArray bias = hasPadding(mask) ? maskBias(mask, b, t) : null; // no padding: nothing to add
        boolean perLayer = !dev.rlhf4j.engine.Engines.gradMode();
        NDArray x = input.reshape(b * t, h); // (B·T, H): 2-D inputs take libtorch's fast addmm path (3-D is ~2x slower)
        for (int i = from; i < to; i++) {
            NDArray in = x, w = qkvW[i - from], wb = qkvB[i - from];
            int li = i;
            if (!perLayer) {
                x = layer(in, b, t, bias, li, w, wb, training);
                continue;
            }
            x = Recompute.keep(() -> layer(in, b, t, bias, li, w, wb, training));
            if (li > from) in.close(); // the previous layer's output (the chunk's input itself is the caller's)
        }
        return x.reshape(b, t, h);
    }

    /** Layer i over (B·T, H) hidden states of B sequences of T tokens; {@code bias} the padding mask's, or null. */
    private NDArray layer(NDArray x, long b, long t, NDArray bias, int i, NDArray qkvW, NDArray qkvB, boolean training) {
        int h = config.hiddenSize();
        int nh = config.numHeads();
        int hd = config.headDim();
        Layer l = layers[i];
        // One projection for Q, K and V, and one copy into head-major layout: (3, B·nh, T, hd), contiguous, so the
        // batched matmuls below read their operands in place (three projections cost three copies plus one per matmul).
        NDArray joined = adapter == null ? linear(x, qkvW, qkvB)
                : NDArrays.concat(new NDList(linear(x, l.qW, l.qB), linear(x, l.kW, l.kB), linear(x, l.vW, l.vB)), 1);
        NDArray qkv = joined
                .reshape(b, t, 3, nh, hd).transpose(2, 0, 3, 1, 4).reshape(3, b * nh, t, hd);
        NDList parts = qkv.split(3, 0);
        NDArray q = parts.get(0).squeeze(0), k = parts.get(1).squeeze(0), v = parts.get(2).squeeze(0); // (B·nh, T, hd)
        NDArray scores = Scalars.mul(q, scale()).matMul(k.transpose(0, 2, 1)).reshape(b, nh, t, t); // (B, nh, T, T)
        if (bias != null) scores.addi(bias); // in place: matMul's backward needs its inputs, not its output
        NDArray probs = dropout(scores.softmax(-1), attentionDropout, training).reshape(b * nh, t, t);
        NDArray ctx = probs.matMul(v).reshape(b, nh, t, hd).transpose(0, 2, 1, 3).reshape(b * t, h); // (B·T, H)
        NDArray attn = dropout(linear(ctx, l.oW, l.oB), hiddenDropout, training);
        NDArray y = layerNorm(attn.add(x), l.ln1W, l.ln1B);
        NDArray inter = Activation.gelu(linear(y, l.iW, l.iB));                        // (B·T, F)
        NDArray out = dropout(linear(inter, l.fW, l.fB), hiddenDropout, training);
        return layerNorm(out.add(y), l.ln2W, l.ln2B);
    }

    /** One scalar read per forward pass; a batch of equal lengths (benchmarks, packed data) then skips the mask. */
    private static boolean hasPadding(NDArray mask) {
        return mask.min().toType(DataType.FLOAT32, false).getFloat() < 1f;
    }

    /** (B, 1, 1, T): 0 where attended, MASKED on padding. */
    private static NDArray maskBias(NDArray mask, long b, long t) {
        return Scalars.mul(mask.neg().add(1f), MASKED).reshape(b, 1, 1, t);
    }

    private float scale() {
        return (float) (1.0 / Math.sqrt(config.headDim()));
    }

    private static NDArray heads(NDArray x, long b, long t, int nh, int hd) {
        return x.reshape(b, t, nh, hd).transpose(0, 2, 1, 3);
    }

    private NDArray linear(NDArray x, NDArray w, NDArray bias) {
        NDArray y = Linear.linear(x, w, bias).singletonOrThrow();
        if (adapter == null) return y;
        NDArray d = adapter.delta(w.getName(), x, adapterTraining);
        return d == null ? y : y.add(d);
    }

    /** LoRA or another term on the linear layers; null when none. */
    private dev.rlhf4j.model.LinearAdapter adapter;
    /** Whether the pass under way trains (the adapter's dropout reads it). */
    private boolean adapterTraining;

    @Override
    public void adapt(dev.rlhf4j.model.LinearAdapter adapter) {
        this.adapter = adapter;
    }

    /**
     * The word-embedding lookup. When the table is trained its backward is sparse (the rows of this batch), and
     * libtorch adds it into the table's dense gradient buffer in place: the dense backward builds a zero tensor the
     * size of the table (47 MB for MiniLM, page-faulted in afresh each step) and adds all of it. Before the first
     * backward there is no buffer, and a sparse gradient would become one; a zero-weighted dense term then makes
     * libtorch create it dense (what clipping, AdamW and zeroing read), and the batch's rows are added into it by the
     * same sparse accumulation as every later step, so a resumed run repeats the uninterrupted one bit for bit.
     */
    private NDArray wordEmbeddings(NDArray ids) {
        if (!wordEmb.hasGradient()) return emb(ids, wordEmb);
        NDArray e = Embedding.embedding(ids, wordEmb, SparseFormat.COO).singletonOrThrow();
        return dev.rlhf4j.engine.Engines.hasDenseGradient(wordEmb) ? e : e.add(Scalars.mul(wordEmb.sum(), 0f));
    }

    private static NDArray emb(NDArray ids, NDArray table) {
        return Embedding.embedding(ids, table, SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray layerNorm(NDArray x, NDArray w, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), w, bias, (float) config.layerNormEps())
                .singletonOrThrow();
    }

    private static NDArray dropout(NDArray x, float p, boolean training) {
        return training && p > 0 ? Dropout.dropout(x, p, true).singletonOrThrow() : x;
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public ModelParameters parameters() {
        return params;
    }

    @Override
    public ObjectNode configJson() {
        ObjectNode o = config.toJson(Json.MAPPER);
        o.put("hidden_dropout_prob", hiddenDropout);
        o.put("attention_probs_dropout_prob", attentionDropout);
        return o;
    }

    @Override
    public dev.rlhf4j.model.ModelFamily family() {
        return BertModels.FAMILY;
    }

    @Override
    public dev.rlhf4j.model.FlopCount flops() {
        return config;
    }

    @Override
    public void setDropout(float p) {
        this.hiddenDropout = p;
        this.attentionDropout = p;
    }
}
