package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * Gemma-2: embeddings scaled by √hidden, RMSNorm with a (1 + w) scale before and after both attention and the
 * MLP, GeGLU with the tanh GELU, rotary embeddings, grouped-query attention whose scores are scaled by
 * 1/√{@code query_pre_attn_scalar} and soft-capped, and a sliding window on the layers {@code layer_types} marks
 * (the shared {@link Decoder#attend} does the last three from the config). The final-logit soft cap belongs to
 * the LM head ({@link CausalLm#logits}); a sequence-classification head reads the normed hidden states
 * uncapped, as transformers' does. Parameters are named as in {@code Gemma2ForCausalLM}.
 */
final class Gemma2Decoder extends Decoder {
    private final NDArray embedTokens;
    private final NDArray finalNorm;
    private final Layer[] layers;
    /** √hidden, held in the checkpoint's type as transformers holds it (5.65625, not 5.656854, for hidden 32 in bfloat16). */
    private final float embedScale;

    private record Layer(NDArray inputNorm, NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB,
                         NDArray oW, NDArray oB, NDArray postAttnNorm, NDArray preMlpNorm, NDArray postMlpNorm,
                         NDArray gate, NDArray up, NDArray down) {}

    Gemma2Decoder(NDManager manager, DecoderConfig c) {
        super(c);
        int h = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.kvDim(), f = c.intermediateSize();
        embedScale = c.roundToDtype((float) Math.sqrt(h));
        embedTokens = params.zeros(manager, "model.embed_tokens.weight", c.vocabSize(), h);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            boolean b = c.attentionBias();
            layers[i] = new Layer(
                    params.zeros(manager, p + "input_layernorm.weight", h),
                    params.zeros(manager, p + "self_attn.q_proj.weight", q, h),
                    b ? params.zeros(manager, p + "self_attn.q_proj.bias", q) : null,
                    params.zeros(manager, p + "self_attn.k_proj.weight", kv, h),
                    b ? params.zeros(manager, p + "self_attn.k_proj.bias", kv) : null,
                    params.zeros(manager, p + "self_attn.v_proj.weight", kv, h),
                    b ? params.zeros(manager, p + "self_attn.v_proj.bias", kv) : null,
                    params.zeros(manager, p + "self_attn.o_proj.weight", h, q),
                    c.outputBias() ? params.zeros(manager, p + "self_attn.o_proj.bias", h) : null,
                    params.zeros(manager, p + "post_attention_layernorm.weight", h),
                    params.zeros(manager, p + "pre_feedforward_layernorm.weight", h),
                    params.zeros(manager, p + "post_feedforward_layernorm.weight", h),
                    params.zeros(manager, p + "mlp.gate_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.up_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.down_proj.weight", h, f));
        }
        finalNorm = params.zeros(manager, "model.norm.weight", h);
        initRotary(manager);
    }

    @Override
    public NDArray tokenEmbeddings() {
        return embedTokens;
    }

    @Override
    protected boolean rotary() {
        return true;
    }

    @Override
    protected NDArray embed(NDArray ids, Step s) {
        NDArray x = Embedding.embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow();
        return Scalars.mul(x.reshape(s.batch() * s.tokens(), config.hiddenSize()), embedScale);
    }

    @Override
    protected NDArray layer(int i, NDArray x, Step s) {
        Layer l = layers[i];
        long b = s.batch(), t = s.tokens();
        NDArray h = rms(x, l.inputNorm);
        NDArray q = rope(linear(h, l.qW, l.qB).reshape(b, t, config.numHeads(), config.headDim()), s);
        NDArray k = rope(linear(h, l.kW, l.kB).reshape(b, t, config.numKvHeads(), config.headDim()), s);
        NDArray v = linear(h, l.vW, l.vB).reshape(b, t, config.numKvHeads(), config.headDim());
        NDArray a = rms(linear(attend(i, q, k, v, s), l.oW, l.oB), l.postAttnNorm);
        x = x.add(dropout(a, s.training()));
        h = rms(x, l.preMlpNorm);
        NDArray mlp = geluTanh(linear(h, l.gate, null)).mul(linear(h, l.up, null)); // GeGLU
        return x.add(dropout(rms(linear(mlp, l.down, null), l.postMlpNorm), s.training()));
    }

    @Override
    protected NDArray finalNorm(NDArray x) {
        return rms(x, finalNorm);
    }

    /** Gemma's RMSNorm: x · rsqrt(mean(x²) + eps) · (1 + weight). */
    private NDArray rms(NDArray x, NDArray w) {
        return rmsNormalise(x).mul(w.add(1f));
    }

    @Override
    protected String layerPrefix() {
        return "model.layers.";
    }

    @Override
    protected boolean isFinalNorm(String name) {
        return name.equals("model.norm.weight");
    }

    @Override
    protected boolean isNormScale(String name) {
        return name.endsWith("layernorm.weight") || name.equals("model.norm.weight");
    }

    @Override
    protected float normScaleInit() {
        return 0f; // the scale is 1 + w
    }
}
