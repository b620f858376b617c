package dev.rlhf4j.model.decoder;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A decoder's cache-free passes run a few sequences at a time when a batch's intermediates would exceed the budget;
 * hidden states and gradients must be the whole batch's, with left and right padding, and through the split into
 * lower and upper layers that top-layer training uses; without autograd, one layer's intermediates at a time.
 */
class DecoderChunkingTest {
    static final DecoderConfig TINY = DecoderConfig.llama(50, 16, 2, 4, 2, 32, 32, 1, 2, 0, true);

    @Test
    void budgetFollowsTheLargestIntermediate() {
        try (NDManager m = NDManager.newBaseManager()) {
            Decoder d = Decoder.create(m, DecoderConfig.llama(32000, 288, 6, 6, 6, 768, 256, 1, 2, 0, true));
            assertThat(d.sequencesPerChunk(256)).isEqualTo(10); // 6 × 256² × 4 B = 1.5 MiB of scores per sequence
            assertThat(d.sequencesPerChunk(2048)).isEqualTo(1);
        }
    }

    @Test
    void chunkedPassesEqualTheWholeBatch() {
        Result whole = pass(Long.MAX_VALUE);
        for (Result r : new Result[] {pass(1), pass(4L * 480 * 3)}) { // 1 and 3 sequences per chunk (480 floats per sequence)
            for (int i = 0; i < whole.states.length; i++) assertThat(r.states[i]).isCloseTo(whole.states[i], within(1e-5f));
            for (int i = 0; i < whole.split.length; i++) assertThat(r.split[i]).isCloseTo(whole.split[i], within(1e-5f));
            for (String name : whole.grads.keySet()) {
                float[] a = whole.grads.get(name), b = r.grads.get(name);
                for (int i = 0; i < a.length; i++) {
                    assertThat(b[i]).as(name + "[" + i + "]").isCloseTo(a[i], within(1e-5f * (1 + Math.abs(a[i]))));
                }
            }
        }
        double mass = 0;
        for (float[] g : whole.grads.values()) for (float v : g) mass += Math.abs(v);
        assertThat(mass).isGreaterThan(1e-3);
    }

    /**
     * Without autograd each layer of a cache-free pass runs in its own scope, only its output kept: the states must be
     * the recorded pass's bit for bit (the same operations in the same order), whole and chunked.
     */
    @Test
    void scoringPassEqualsTheRecordedPass() {
        for (long chunkBytes : new long[] {Long.MAX_VALUE, 1, 4L * 480 * 3}) {
            Result r = pass(chunkBytes);
            assertThat(r.scored).as("chunk budget %d", chunkBytes).containsExactly(r.states);
        }
    }

    record Result(float[] states, float[] split, float[] scored, Map<String, float[]> grads) {}

    /** 7 sequences of 10 tokens (right- and left-padded rows), their states, lower+upper states and gradients. */
    static Result pass(long chunkBytes) {
        try (NDManager m = NDManager.newBaseManager()) {
            Decoder d = Decoder.create(m, TINY);
            d.initRandom(5);
            d.chunkBytes(chunkBytes);
            int b = 7, t = 10, h = TINY.hiddenSize();
            Random rnd = new Random(9);
            long[] ids = new long[b * t];
            float[] mask = new float[b * t];
            for (int r = 0; r < b; r++) {
                int len = r % 3 == 0 ? t : 3 + rnd.nextInt(t - 3);
                int start = r % 2 == 0 ? 0 : t - len; // odd rows left-padded
                for (int c = start; c < start + len; c++) {
                    ids[r * t + c] = 3 + rnd.nextInt(TINY.vocabSize() - 3);
                    mask[r * t + c] = 1;
                }
            }
            float[] w = new float[b * t * h];
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian() * mask[i / h];
            Shape shape = new Shape(b, t);
            NDArray idArr = m.create(ids, shape), maskArr = m.create(mask, shape), weights = m.create(w, new Shape(b, t, h));
            float[] split = d.upperStates(d.lowerStates(idArr, m.zeros(shape, DataType.INT64), maskArr, 1, false), maskArr, 1, false)
                    .mul(maskArr.expandDims(2)).toFloatArray();
            float[] scored = d.forward(idArr, maskArr, null, false).mul(maskArr.expandDims(2)).toFloatArray(); // grad mode off
            for (NDArray p : d.parameters().asMap().values()) p.setRequiresGradient(true);
            float[] states;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray out = d.forward(idArr, maskArr, null, true);
                states = out.mul(maskArr.expandDims(2)).toFloatArray();
                gc.backward(out.mul(weights).sum());
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            d.parameters().asMap().forEach((name, p) -> grads.put(name, p.getGradient().toFloatArray()));
            return new Result(states, split, scored, grads);
        }
    }
}
