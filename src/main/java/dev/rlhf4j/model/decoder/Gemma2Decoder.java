package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;
import ai.djl.ndarray.NDManager;

/**
 * Gemma-2: embeddings scaled by √hidden, RMSNorm with a (1 + w) scale before and after both attention and the
 * MLP, GeGLU with the tanh GELU, rotary embeddings, grouped-query attention whose scores are scaled by
 * 1/√{@code query_pre_attn_scalar} and soft-capped, and a sliding window on the layers {@code layer_types} marks
 * (the shared {@link Decoder#attend} does the last three from the config). The final-logit soft cap belongs to
 * the LM head ({@link CausalLm#logits}); a sequence-classification head reads the normed hidden states
 * uncapped, as transformers' does. Parameters are named as in {@code Gemma2ForCausalLM}.
 */
final class Gemma2Decoder extends RmsDecoder {
    private final Layer[] layers;
    /** √hidden, held in the checkpoint's type as transformers holds it (5.65625, not 5.656854, for hidden 32 in bfloat16). */
    private final float embedScale;

    private record Layer(NDArray inputNorm, Qkv qkv, NDArray oW, NDArray oB, NDArray postAttnNorm, NDArray preMlpNorm,
                         NDArray postMlpNorm, NDArray gate, NDArray up, NDArray down) {}

    Gemma2Decoder(NDManager manager, DecoderConfig c) {
        super(manager, c);
        int h = c.hiddenSize(), q = c.numHeads() * c.headDim(), f = c.intermediateSize();
        embedScale = c.roundToDtype((float) Math.sqrt(h));
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    params.zeros(manager, p + "input_layernorm.weight", h),
                    qkv(manager, p),
                    params.zeros(manager, p + "self_attn.o_proj.weight", h, q),
                    c.outputBias() ? params.zeros(manager, p + "self_attn.o_proj.bias", h) : null,
                    params.zeros(manager, p + "post_attention_layernorm.weight", h),
                    params.zeros(manager, p + "pre_feedforward_layernorm.weight", h),
                    params.zeros(manager, p + "post_feedforward_layernorm.weight", h),
                    params.zeros(manager, p + "mlp.gate_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.up_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.down_proj.weight", h, f));
        }
        finish(manager);
    }

    @Override
    protected NDArray embed(NDArray ids, Step s) {
        return Scalars.mul(super.embed(ids, s), embedScale);
    }

    @Override
    protected NDArray layer(int i, NDArray x, Step s) {
        Layer l = layers[i];
        Qkv a = l.qkv;
        NDArray h = rms(x, l.inputNorm);
        NDArray q = rope(heads(h, a.qW(), a.qB(), config.numHeads(), s), s);
        NDArray k = rope(heads(h, a.kW(), a.kB(), config.numKvHeads(), s), s);
        NDArray v = heads(h, a.vW(), a.vB(), config.numKvHeads(), s);
        NDArray o = rms(linear(attend(i, q, k, v, s), l.oW, l.oB), l.postAttnNorm);
        x = x.add(dropout(o, s.training()));
        h = rms(x, l.preMlpNorm);
        NDArray mlp = geluTanh(linear(h, l.gate, null)).mul(linear(h, l.up, null)); // GeGLU
        return x.add(dropout(rms(linear(mlp, l.down, null), l.postMlpNorm), s.training()));
    }

    /** Gemma's RMSNorm: x · rsqrt(mean(x²) + eps) · (1 + weight). */
    @Override
    protected NDArray rms(NDArray x, NDArray w) {
        return rmsNormalise(x).mul(w.add(1f));
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
