package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;

/**
 * Llama, Mistral, Qwen2 and Qwen3: RMSNorm before attention and MLP, rotary embeddings (half-rotation layout),
 * grouped-query attention, SwiGLU, optional q/k/v biases (Qwen2), and Qwen3's per-head RMSNorm of queries and
 * keys before rotary ({@code self_attn.q_norm}, {@code self_attn.k_norm}, one head_dim-wide scale shared by all
 * heads). Parameters are named as in {@code *ForCausalLM} checkpoints ({@code model.layers.0.self_attn.q_proj.weight}).
 */
final class LlamaDecoder extends RmsDecoder {
    private final Layer[] layers;

    private record Layer(NDArray inputNorm, Qkv qkv, NDArray qNorm, NDArray kNorm, NDArray oW, NDArray oB, NDArray postNorm,
                         NDArray gate, NDArray up, NDArray down) {}

    LlamaDecoder(NDManager manager, DecoderConfig c) {
        super(manager, c);
        int h = c.hiddenSize(), q = c.numHeads() * c.headDim(), f = c.intermediateSize();
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    params.zeros(manager, p + "input_layernorm.weight", h),
                    qkv(manager, p),
                    c.family().qkNorm() ? params.zeros(manager, p + "self_attn.q_norm.weight", c.headDim()) : null,
                    c.family().qkNorm() ? params.zeros(manager, p + "self_attn.k_norm.weight", c.headDim()) : null,
                    params.zeros(manager, p + "self_attn.o_proj.weight", h, q),
                    c.outputBias() ? params.zeros(manager, p + "self_attn.o_proj.bias", h) : null,
                    params.zeros(manager, p + "post_attention_layernorm.weight", h),
                    params.zeros(manager, p + "mlp.gate_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.up_proj.weight", f, h),
                    params.zeros(manager, p + "mlp.down_proj.weight", h, f));
        }
        finish(manager);
    }

    @Override
    protected NDArray layer(int i, NDArray x, Step s) {
        Layer l = layers[i];
        Qkv a = l.qkv;
        NDArray h = rms(x, l.inputNorm);
        NDArray q = heads(h, a.qW(), a.qB(), config.numHeads(), s);
        NDArray k = heads(h, a.kW(), a.kB(), config.numKvHeads(), s);
        if (l.qNorm != null) {
            q = rms(q, l.qNorm);
            k = rms(k, l.kNorm);
        }
        q = rope(q, s);
        k = rope(k, s);
        NDArray v = heads(h, a.vW(), a.vB(), config.numKvHeads(), s);
        x = x.add(dropout(linear(attend(i, q, k, v, s), l.oW, l.oB), s.training()));
        h = rms(x, l.postNorm);
        NDArray gate = linear(h, l.gate, null);
        NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(linear(h, l.up, null)); // SiLU(gate) · up
        return x.add(dropout(linear(mlp, l.down, null), s.training()));
    }

    /** RMSNorm as transformers computes it: x · rsqrt(mean(x²) + eps) · weight. */
    @Override
    protected NDArray rms(NDArray x, NDArray w) {
        return rmsNormalise(x).mul(w);
    }

    @Override
    protected boolean isNormScale(String name) {
        return name.endsWith("layernorm.weight") || name.endsWith("_norm.weight") || name.equals("model.norm.weight");
    }
}
