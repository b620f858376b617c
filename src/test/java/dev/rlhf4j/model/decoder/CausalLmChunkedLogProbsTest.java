package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.engine.Scalars;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.Chunking;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@link CausalLm#logProbs} over chunks of positions (only chunk × vocabulary logits at a time) against the whole
 * batch × length × vocabulary computation on hf-tiny models (vocabulary 32,000): log-probabilities, entropies, the SFT
 * NLL and the gradients of the SFT NLL and of PPO's clipped policy loss, on right-padded rows of different lengths. Under the
 * default budget these batches take the one-chunk path: bit-identical to the whole computation.
 */
class CausalLmChunkedLogProbsTest {
    static final float EPS = 0.2f;

    @Test
    void theBudgetBoundsPositionsTimesVocabulary() {
        assertThat(CausalLm.positionsPerChunk(32000, Chunking.BUDGET_BYTES)).isEqualTo(131); // 16 MiB / 128,000 B
        assertThat(CausalLm.positionsPerChunk(32000, 1)).isEqualTo(1);
        assertThat(CausalLm.positionsPerChunk(50, Chunking.BUDGET_BYTES)).isEqualTo((16L << 20) / 200);
    }

    @Test
    @Tag("slow") // slow tier: 4 passes with gradients through a 32,000-token head
    void chunkedLlamaEqualsTheWholeComputation() {
        check("models/hf-tiny/llama");
    }

    @Test
    @Tag("slow") // slow tier: as above
    void chunkedTiedQwen2EqualsTheWholeComputation() {
        check("models/hf-tiny/qwen2-bf16"); // lm_head tied to the embeddings: one parameter gets both gradients
    }

    private static void check(String model) {
        Result whole = run(model, Long.MAX_VALUE), byDefault = run(model, Chunking.BUDGET_BYTES);
        assertThat(byDefault.lp).isEqualTo(whole.lp);
        assertThat(byDefault.ent).isEqualTo(whole.ent);
        assertThat(byDefault.nll).isEqualTo(whole.nll);
        for (String name : whole.sftGrads.keySet()) {
            assertThat(byDefault.sftGrads.get(name)).as(name).isEqualTo(whole.sftGrads.get(name));
            assertThat(byDefault.ppoGrads.get(name)).as(name).isEqualTo(whole.ppoGrads.get(name));
        }
        // 7 positions per chunk (uneven last chunk), and one position per chunk
        for (long budget : new long[] {4L * 32000 * 7, 1}) {
            Result r = run(model, budget);
            for (int i = 0; i < whole.lp.length; i++) {
                assertThat(r.lp[i]).as("log-prob %d", i).isCloseTo(whole.lp[i], within(1e-5f));
                assertThat(r.ent[i]).as("entropy %d", i).isCloseTo(whole.ent[i], within(1e-5f));
            }
            assertThat(r.nll).isCloseTo(whole.nll, within(1e-5f * Math.abs(whole.nll)));
            assertClose(r.sftGrads, whole.sftGrads);
            assertClose(r.ppoGrads, whole.ppoGrads);
        }
        assertThat(whole.clipped).as("some ratios leave [1 − ε, 1 + ε]").isBetween(1, whole.lp.length - 1);
    }

    private static void assertClose(Map<String, float[]> got, Map<String, float[]> want) {
        double mass = 0;
        for (String name : want.keySet()) {
            float[] a = want.get(name), b = got.get(name);
            for (int i = 0; i < a.length; i++) {
                assertThat(b[i]).as(name + "[" + i + "]").isCloseTo(a[i], within(1e-5f * (1 + Math.abs(a[i]))));
                mass += Math.abs(a[i]);
            }
        }
        assertThat(mass).isGreaterThan(1e-3);
    }

    record Result(float[] lp, float[] ent, float nll, Map<String, float[]> sftGrads, Map<String, float[]> ppoGrads, int clipped) {}

    private static Result run(String model, long budget) {
        try (CausalLm lm = CausalLm.load(SharedFiles.get(model), Device.cpu())) {
            lm.logitChunkBytes(budget);
            TokenBatch b = batch(lm);
            NDManager m = lm.manager();
            float[] lp, ent;
            float nll;
            try (NDScope scope = new NDScope()) {
                CausalLm.LogProbs out = lm.logProbs(b, false, true);
                lp = out.tokens().toFloatArray();
                ent = out.entropy().toFloatArray();
                nll = lm.targetNll(b, false).getFloat();
            }
            // SFT's loss: the summed NLL over the response tokens divided by their count (SftTrainer)
            Map<String, float[]> sft = grads(lm, () -> Scalars.div(lm.targetNll(b, true), b.targets()));
            int c1 = b.cols() - 1;
            // PPO's clipped policy loss with old log-probs a little off the current ones (some ratios clip)
            Random rnd = new Random(3);
            float[] old = new float[lp.length], adv = new float[lp.length];
            for (int i = 0; i < lp.length; i++) {
                old[i] = lp[i] + (float) (rnd.nextGaussian() * 0.3);
                adv[i] = (float) rnd.nextGaussian();
            }
            int clipped = 0;
            for (int i = 0; i < lp.length; i++) if (Math.abs(Math.exp(lp[i] - old[i]) - 1) > EPS) clipped++;
            Shape sh = new Shape(b.rows(), c1);
            Map<String, float[]> ppo = grads(lm, () -> {
                NDArray mask = BatchTensors.targetMask(m, b), oLp = m.create(old, sh), a = m.create(adv, sh);
                NDArray ratio = lm.logProbs(b, true, true).tokens().sub(oLp).exp();
                NDArray s1 = ratio.mul(a), s2 = ratio.clip(1 - EPS, 1 + EPS).mul(a);
                return Scalars.div(NDArrays.minimum(s1, s2).neg().mul(mask).sum(), Math.max(1f, mask.sum().getFloat()));
            });
            return new Result(lp, ent, nll, sft, ppo, clipped);
        }
    }

    private static Map<String, float[]> grads(CausalLm lm, java.util.function.Supplier<NDArray> loss) {
        Map<String, float[]> out = new LinkedHashMap<>();
        lm.parameters().requireGradients(true);
        try (NDScope scope = new NDScope(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            gc.backward(loss.get());
            lm.parameters().asMap().forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        }
        lm.parameters().requireGradients(false);
        return out;
    }

    /** Three prompt + response rows of different lengths, right-padded. */
    private static TokenBatch batch(CausalLm lm) {
        List<int[]> prompts = new ArrayList<>(), responses = new ArrayList<>();
        String[][] texts = {{"The cat", " sat on the mat and looked at the dog"}, {"Once upon a time", " there was"},
                {"Lily", " went to the park with her mom. They played."}};
        for (String[] t : texts) {
            prompts.add(lm.encode(t[0]));
            int[] r = lm.encode(t[1]);
            responses.add(java.util.Arrays.copyOfRange(r, 1, r.length));
        }
        return TokenBatch.promptResponses(prompts, responses, lm.config().padOrEos());
    }
}
