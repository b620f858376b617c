package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.LayerNorm;

/**
 * GPT-2: learned positions, pre-LayerNorm blocks, fused q/k/v projection, {@code gelu_new}. Its Conv1D
 * weights are stored (in, out), the transpose of a Linear's, and are used as stored ({@code x · W + b}).
 */
final class Gpt2Decoder extends Decoder {
    private final NDArray wte, wpe, lnFW, lnFB;
    private final Layer[] layers;

    private record Layer(NDArray ln1W, NDArray ln1B, NDArray attnW, NDArray attnB, NDArray projW, NDArray projB,
                         NDArray ln2W, NDArray ln2B, NDArray fcW, NDArray fcB, NDArray outW, NDArray outB) {}

    Gpt2Decoder(NDManager manager, DecoderConfig c) {
        super(c);
        int h = c.hiddenSize(), f = c.intermediateSize();
        wte = params.zeros(manager, "transformer.wte.weight", c.vocabSize(), h);
        wpe = params.zeros(manager, "transformer.wpe.weight", c.maxPositions(), h);
        layers = new Layer[c.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "transformer.h." + i + ".";
            layers[i] = new Layer(
                    params.zeros(manager, p + "ln_1.weight", h), params.zeros(manager, p + "ln_1.bias", h),
                    params.zeros(manager, p + "attn.c_attn.weight", h, 3L * h), params.zeros(manager, p + "attn.c_attn.bias", 3L * h),
                    params.zeros(manager, p + "attn.c_proj.weight", h, h), params.zeros(manager, p + "attn.c_proj.bias", h),
                    params.zeros(manager, p + "ln_2.weight", h), params.zeros(manager, p + "ln_2.bias", h),
                    params.zeros(manager, p + "mlp.c_fc.weight", h, f), params.zeros(manager, p + "mlp.c_fc.bias", f),
                    params.zeros(manager, p + "mlp.c_proj.weight", f, h), params.zeros(manager, p + "mlp.c_proj.bias", h));
        }
        lnFW = params.zeros(manager, "transformer.ln_f.weight", h);
        lnFB = params.zeros(manager, "transformer.ln_f.bias", h);
    }

    @Override
    public NDArray tokenEmbeddings() {
        return wte;
    }

    @Override
    protected boolean rotary() {
        return false;
    }

    @Override
    protected NDArray embed(NDArray ids, Step s) {
        NDArray x = Embedding.embedding(ids, wte, SparseFormat.DENSE).singletonOrThrow()
                .add(Embedding.embedding(s.positions(), wpe, SparseFormat.DENSE).singletonOrThrow());
        return dropout(x.reshape(s.batch() * s.tokens(), config.hiddenSize()), s.training());
    }

    @Override
    protected NDArray layer(int i, NDArray x, Step s) {
        Layer l = layers[i];
        long b = s.batch(), t = s.tokens();
        int nh = config.numHeads(), hd = config.headDim();
        NDList qkv = conv1d(layerNorm(x, l.ln1W, l.ln1B), l.attnW, l.attnB).split(3, 1);
        NDArray a = attend(i, qkv.get(0).reshape(b, t, nh, hd), qkv.get(1).reshape(b, t, nh, hd),
                qkv.get(2).reshape(b, t, nh, hd), s);
        x = x.add(dropout(conv1d(a, l.projW, l.projB), s.training()));
        NDArray m = conv1d(geluTanh(conv1d(layerNorm(x, l.ln2W, l.ln2B), l.fcW, l.fcB)), l.outW, l.outB);
        return x.add(dropout(m, s.training()));
    }

    private static NDArray conv1d(NDArray x, NDArray w, NDArray bias) {
        return x.matMul(w).add(bias);
    }

    private NDArray layerNorm(NDArray x, NDArray w, NDArray bias) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), w, bias, (float) config.normEps()).singletonOrThrow();
    }

    @Override
    protected NDArray finalNorm(NDArray x) {
        return layerNorm(x, lnFW, lnFB);
    }

    @Override
    protected String layerPrefix() {
        return "transformer.h.";
    }

    @Override
    protected boolean isFinalNorm(String name) {
        return name.startsWith("transformer.ln_f.");
    }

    @Override
    protected boolean isNormScale(String name) {
        return name.endsWith("ln_1.weight") || name.endsWith("ln_2.weight") || name.equals("transformer.ln_f.weight");
    }

    /** GPT-2's Conv1D layers do not go through {@link #linear}: an adapter would add nothing, so none is taken. */
    @Override
    public void adapt(dev.rlhf4j.model.LinearAdapter adapter) {
        if (adapter != null) throw new UnsupportedOperationException("GPT-2 (Conv1D layers) takes no LoRA adapter yet");
    }
}
