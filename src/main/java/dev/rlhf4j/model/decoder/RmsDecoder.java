package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * The layout Llama and Gemma-2 share: {@code model.embed_tokens}, layers {@code model.layers.N.} with q/k/v/o
 * projections (biases where the config has them), RMSNorms, rotary positions, {@code model.norm}. A subclass
 * adds its layers between {@link #RmsDecoder} and {@link #finish} (parameter order is checkpoint order) and
 * says how its RMSNorm scales ({@link #rms}).
 */
abstract class RmsDecoder extends Decoder {
    private final NDArray embedTokens;
    private NDArray finalNorm;

    /** A layer's attention projections: q, k and v (biases null where the config has none). */
    protected record Qkv(NDArray qW, NDArray qB, NDArray kW, NDArray kB, NDArray vW, NDArray vB) {}

    protected RmsDecoder(NDManager manager, DecoderConfig c) {
        super(c);
        embedTokens = params.zeros(manager, "model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
    }

    /** The final norm and the rotary tables, after the layers. */
    protected final void finish(NDManager manager) {
        finalNorm = params.zeros(manager, "model.norm.weight", config.hiddenSize());
        initRotary(manager);
    }

    /** Layer {@code p}'s q, k and v projections. */
    protected final Qkv qkv(NDManager manager, String p) {
        int h = config.hiddenSize(), q = config.numHeads() * config.headDim(), kv = config.kvDim();
        boolean b = config.attentionBias();
        return new Qkv(params.zeros(manager, p + "self_attn.q_proj.weight", q, h),
                b ? params.zeros(manager, p + "self_attn.q_proj.bias", q) : null,
                params.zeros(manager, p + "self_attn.k_proj.weight", kv, h),
                b ? params.zeros(manager, p + "self_attn.k_proj.bias", kv) : null,
                params.zeros(manager, p + "self_attn.v_proj.weight", kv, h),
                b ? params.zeros(manager, p + "self_attn.v_proj.bias", kv) : null);
    }

    /** {@code linear(h, w, bias)} as (B, T, heads, head_dim). */
    protected final NDArray heads(NDArray h, NDArray w, NDArray bias, int heads, Step s) {
        return linear(h, w, bias).reshape(s.batch(), s.tokens(), heads, config.headDim());
    }

    /** RMSNorm with this family's scale. */
    protected abstract NDArray rms(NDArray x, NDArray w);

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
    protected NDArray finalNorm(NDArray x) {
        return rms(x, finalNorm);
    }

    @Override
    protected String layerPrefix() {
        return "model.layers.";
    }

    @Override
    protected boolean isFinalNorm(String name) {
        return name.equals("model.norm.weight");
    }
}
