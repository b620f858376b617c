package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.engine.Recompute;
import dev.rlhf4j.model.Backbone;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.bert.BertConfig;
import dev.rlhf4j.model.bert.BertEncoder;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.loss.PairTargets;
import dev.rlhf4j.train.loss.PairwiseLoss;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Activation recomputation ({@code --recompute}, {@link Recompute}) gives every trainable parameter the gradient of the
 * normal pass (within 1e-5, fp32), for the pairwise reward-model loss on a BERT encoder (CLS and mean pooling) and a
 * Llama decoder (hf-tiny {@code llama-rm}, whole batch and chunked), and for the causal-LM loss (hf-tiny {@code llama},
 * full and LoRA). Each micro-batch runs as {@code train.Loop} runs it: seed, scope, collector, {@link Recompute}, loss
 * backward, then the recomputed layers' backward.
 */
@Tag("slow") // nine hf-tiny loads and eighteen micro-batches: ~40 s on the loaded 2-core machine
class RecomputeTest {
    private static final long SEED = 17;
    private static final PairwiseLoss BT = PairwiseLoss.byName("bt", 0.1);

    /** What one micro-batch leaves in every parameter's gradient; {@code deferred} false skips the layers' backward. */
    static Map<String, float[]> gradients(ModelParameters params, Backbone backbone, boolean recompute, boolean deferred,
                                          Supplier<NDArray> loss) {
        backbone.recompute(recompute);
        params.requireGradients(true);
        Engines.seed(SEED);
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector();
             Recompute rc = Recompute.open(SEED)) {
            gc.backward(loss.get());
            if (deferred) rc.backward();
        }
        Map<String, float[]> g = new LinkedHashMap<>();
        params.asMap().forEach((n, p) -> g.put(n, p.getGradient().toFloatArray()));
        params.requireGradients(false);
        backbone.recompute(false);
        return g;
    }

    /** Both modes on fresh models; every gradient within 1e-5; the layers' gradients come from the recomputation. */
    static void assertSameGradients(Function<Boolean, Map<String, float[]>> normalOrRecompute,
                                    Supplier<Map<String, float[]>> withoutDeferred, String layer0) {
        Map<String, float[]> normal = normalOrRecompute.apply(false), recomputed = normalOrRecompute.apply(true);
        assertThat(recomputed.keySet()).isEqualTo(normal.keySet());
        double layerMass = 0;
        for (String name : normal.keySet()) {
            float[] a = normal.get(name), b = recomputed.get(name);
            double max = 0;
            for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
            assertThat(max).as(name).isLessThanOrEqualTo(1e-5);
            if (name.contains(layer0)) for (float v : a) layerMass += Math.abs(v);
        }
        assertThat(layerMass).as("gradient mass of " + layer0 + "*").isGreaterThan(1e-4);
        // Without the deferred backward the layers have no gradient: their forward pass kept no graph.
        for (var e : withoutDeferred.get().entrySet()) {
            if (!e.getKey().contains(layer0)) continue;
            for (float v : e.getValue()) assertThat(v).as(e.getKey()).isZero();
        }
    }

    /** {@code pairs} chosen rows then rejected rows of random tokens and lengths (right-padded), with segment ids. */
    static List<EncodedSequence> rows(int pairs, int vocab, int maxLen, long seed) {
        Random rnd = new Random(seed);
        List<EncodedSequence> out = new ArrayList<>();
        for (int r = 0; r < 2 * pairs; r++) {
            int len = 4 + rnd.nextInt(maxLen - 3);
            int[] ids = new int[len], types = new int[len];
            for (int i = 0; i < len; i++) {
                ids[i] = 3 + rnd.nextInt(vocab - 3);
                types[i] = i >= len / 2 ? 1 : 0;
            }
            out.add(new EncodedSequence(ids, types, false));
        }
        return out;
    }

    static NDArray pairLoss(RewardModel rm, List<EncodedSequence> rows) {
        NDArray r = rm.rewards(TokenBatch.of(rows, 0), true);
        int b = rows.size() / 2;
        return BT.perPair(r.get("0:" + b), r.get(b + ":"), new PairTargets(null, null)).mean();
    }

    @Test
    void bertRewardModelGradientsEqualTheNormalPass() {
        BertConfig cfg = new BertConfig(64, 16, 3, 4, 32, 32, 2, 1e-12, 0, 0);
        List<EncodedSequence> rows = rows(3, cfg.vocabSize(), 12, 1);
        for (Pooling pooling : new Pooling[] {Pooling.CLS, Pooling.MEAN}) {
            Function<Boolean, Map<String, float[]>> run = on -> bert(cfg, pooling, rows, on, true);
            assertSameGradients(run, () -> bert(cfg, pooling, rows, true, false), "encoder.layer.0.");
        }
    }

    static Map<String, float[]> bert(BertConfig cfg, Pooling pooling, List<EncodedSequence> rows, boolean recompute, boolean deferred) {
        try (NDManager m = NDManager.newBaseManager()) {
            BertEncoder enc = new BertEncoder(m, cfg);
            enc.initRandom(3);
            RewardModel rm = new RewardModel(m, enc, pooling, null, "tiny-bert", 5);
            return gradients(rm.parameters(), enc, recompute, deferred, () -> pairLoss(rm, rows));
        }
    }

    @Test
    void llamaRewardModelGradientsEqualTheNormalPassWholeAndChunked() {
        List<EncodedSequence> rows = rows(3, 32000, 14, 2);
        for (long chunkBytes : new long[] {Long.MAX_VALUE, 1}) { // the whole batch; one sequence per chunk
            assertSameGradients(on -> llamaRm(rows, chunkBytes, on, true), () -> llamaRm(rows, chunkBytes, true, false),
                    "model.layers.0.");
        }
    }

    static Map<String, float[]> llamaRm(List<EncodedSequence> rows, long chunkBytes, boolean recompute, boolean deferred) {
        try (RewardModel rm = RewardModels.load(SharedFiles.get("models/hf-tiny/llama-rm"), Device.cpu())) {
            Decoder d = (Decoder) rm.backbone();
            d.chunkBytes(chunkBytes);
            return gradients(rm.parameters(), d, recompute, deferred, () -> pairLoss(rm, rows));
        }
    }

    @Test
    void llamaCausalLmGradientsEqualTheNormalPassFullAndLora() {
        Random rnd = new Random(4);
        List<int[]> ids = new ArrayList<>();
        List<boolean[]> learn = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int len = 5 + rnd.nextInt(10);
            int[] row = new int[len];
            boolean[] l = new boolean[len];
            for (int i = 0; i < len; i++) {
                row[i] = 3 + rnd.nextInt(31997);
                l[i] = i >= len / 3;
            }
            ids.add(row);
            learn.add(l);
        }
        TokenBatch batch = TokenBatch.learning(ids, learn, 0);
        for (boolean lora : new boolean[] {false, true}) {
            assertSameGradients(on -> lm(batch, lora, on, true), () -> lm(batch, lora, true, false), "model.layers.0.");
        }
    }

    static Map<String, float[]> lm(TokenBatch batch, boolean lora, boolean recompute, boolean deferred) {
        try (CausalLm lm = CausalLm.load(SharedFiles.get("models/hf-tiny/llama"), Device.cpu())) {
            if (lora) {
                Adapters.attachNew(lm, new LoraConfig(4, 8, 0, LoraConfig.Defaults.DECODER_TARGETS, List.of(),
                        LoraConfig.CAUSAL_LM, "llama"), 6);
            }
            return gradients(lm.trainableParameters(), lm.decoder(), recompute, deferred, () -> lm.targetNll(batch, true));
        }
    }
    /**
     * With dropout on, each layer is re-seeded before its forward run and its recomputation, so both see the same masks:
     * the recomputed gradient of a layer-0 weight matches the central difference of the loss (same seeds, so the same
     * masks) along that gradient within 1%. Mismatched masks would give the gradient of another dropout pattern.
     */
    @Test
    void withDropoutTheRecomputedLayersSeeTheMasksOfTheForwardPass() {
        BertConfig cfg = new BertConfig(64, 16, 3, 4, 32, 32, 2, 1e-12, 0.1, 0.1);
        List<EncodedSequence> rows = rows(3, cfg.vocabSize(), 12, 1);
        String name = "encoder.layer.0.output.dense.weight";
        try (NDManager m = NDManager.newBaseManager()) {
            BertEncoder enc = new BertEncoder(m, cfg);
            enc.initRandom(3);
            RewardModel rm = new RewardModel(m, enc, Pooling.CLS, null, "tiny-bert", 5);
            float[] d = gradients(rm.parameters(), enc, true, true, () -> pairLoss(rm, rows)).get(name);
            NDArray w = rm.parameters().get(name);
            float[] w0 = w.toFloatArray();
            double norm2 = 0;
            for (float v : d) norm2 += (double) v * v;
            double t = 1e-2 / Math.sqrt(norm2); // a step of 0.01 in weight space along the gradient
            double[] loss = new double[2];
            for (int k = 0; k < 2; k++) {
                float[] shifted = new float[w0.length];
                for (int i = 0; i < w0.length; i++) shifted[i] = (float) (w0[i] + (k == 0 ? t : -t) * d[i]);
                Engines.assign(w, shifted);
                enc.recompute(true);
                Engines.seed(SEED);
                try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector();
                     Recompute rc = Recompute.open(SEED)) {
                    loss[k] = pairLoss(rm, rows).getFloat();
                }
            }
            double directional = (loss[0] - loss[1]) / (2 * t); // d loss / d t along d: should be |d|²
            assertThat(directional).isCloseTo(norm2, org.assertj.core.data.Percentage.withPercentage(1));
        }
    }
}
