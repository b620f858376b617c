package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import dev.rlhf4j.engine.Scalars;

/**
 * Llama, Mistral, Qwen2 and Qwen3: RMSNorm before attention and MLP, rotary embeddings (half-rotation layout),
 * grouped-query attention, SwiGLU, optional q/k/v biases (Qwen2), and Qwen3's per-head RMSNorm of queries and
 * keys before rotary ({@code self_attn.q_norm}, {@code self_attn.k_norm}, one head_dim-wide scale shared by all
 * heads). Parameters are named as in {@code *ForCausalLM} checkpoints ({@code model.layers.0.self_attn.q_proj.weight}).
 */
final class LlamaDecoder extends Decoder {
    private final NDArray embedTokens;
    private final NDArray finalNorm;
    private final Layer[] layers;

    private record Layer(NDArray inputNorm, NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB,
                         NDArray qNorm, NDArray kNorm, NDArray oW, NDArray oB, NDArray postNorm, NDArray gate, NDArray up, NDArray down) {}

    LlamaDecoder(NDManager manager, DecoderConfig c) {
        super(c);
        int h = c.hiddenSize(), q = c.numHeads() * c.headDim(), kv = c.kvDim(), f = c.intermediateSize();
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
                    c.family().qkNorm() ? params.zeros(manager, p + "self_attn.q_norm.weight", c.headDim()) : null,
                    c.family().qkNorm() ? params.zeros(manager, p + "self_attn.k_norm.weight", c.headDim()) : null,
                    params.zeros(manager, p + "self_attn.o_proj.weight", h, q),
                    c.outputBias() ? params.zeros(manager, p + "self_attn.o_proj.bias", h) : null,
                    params.zeros(manager, p + "post_attention_layernorm.weight", h),
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
        return x.reshape(s.batch() * s.tokens(), config.hiddenSize());
    }

    @Override
    protected NDArray layer(int i, NDArray x, Step s) {
        Layer l = layers[i];
        long b = s.batch(), t = s.tokens();
        NDArray h = rms(x, l.inputNorm);
        NDArray q = linear(h, l.qW, l.qB).reshape(b, t, config.numHeads(), config.headDim());
        NDArray k = linear(h, l.kW, l.kB).reshape(b, t, config.numKvHeads(), config.headDim());
        if (l.qNorm != null) {
            q = rms(q, l.qNorm);
            k = rms(k, l.kNorm);
        }
        q = rope(q, s);
        k = rope(k, s);
        NDArray v = linear(h, l.vW, l.vB).reshape(b, t, config.numKvHeads(), config.headDim());
        x = x.add(dropout(linear(attend(i, q, k, v, s), l.oW, l.oB), s.training()));
        h = rms(x, l.postNorm);
        NDArray gate = linear(h, l.gate, null);
        NDArray mlp = gate.mul(Activation.sigmoid(gate)).mul(linear(h, l.up, null)); // SiLU(gate) · up
        return x.add(dropout(linear(mlp, l.down, null), s.training()));
    }

    @Override
    protected NDArray finalNorm(NDArray x) {
        return rms(x, finalNorm);
    }

    /** RMSNorm as transformers computes it: x · rsqrt(mean(x²) + eps) · weight. */
    private NDArray rms(NDArray x, NDArray w) {
        return rmsNormalise(x).mul(w);
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
        return name.endsWith("layernorm.weight") || name.endsWith("_norm.weight") || name.equals("model.norm.weight");
    }
}
