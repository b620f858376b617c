package dev.rlhf4j.model.bert;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The encoder's two speed paths give what the plain pass gives: a batch run a few sequences at a time (what large
 * score tensors trigger) and the sparse word-embedding backward after the first step.
 */
class BertEncoderTest {
    static final BertConfig TINY = new BertConfig(50, 16, 2, 4, 32, 32, 2, 1e-12, 0, 0);

    @Test
    void chunkSizeFollowsTheLargestIntermediate() {
        try (NDManager m = NDManager.newBaseManager()) {
            BertConfig minilm = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, 0, 0);
            BertEncoder e = new BertEncoder(m, minilm);
            assertThat(e.sequencesPerChunk(128)).isEqualTo(21);
            assertThat(e.sequencesPerChunk(256)).isEqualTo(5);
            assertThat(e.sequencesPerChunk(512)).isEqualTo(1);
            assertThat(e.sequencesPerChunk(2048)).isEqualTo(1);
        }
    }

    @Test
    void chunkedPassEqualsTheWholeBatch() {
        Result whole = pass(Long.MAX_VALUE);
        Result chunked = pass(1); // one sequence per chunk: 7 chunks
        Result uneven = pass(4L * 4 * 12 * 12 * 3); // 3 sequences per chunk: 2 + 2 + 3
        for (Result r : new Result[] {chunked, uneven}) {
            assertThat(r.states).hasSameSizeAs(whole.states);
            for (int i = 0; i < whole.states.length; i++) assertThat(r.states[i]).isCloseTo(whole.states[i], within(1e-5f));
            assertThat(r.grads.keySet()).isEqualTo(whole.grads.keySet());
            for (String name : whole.grads.keySet()) {
                float[] a = whole.grads.get(name), b = r.grads.get(name);
                for (int i = 0; i < a.length; i++) assertThat(b[i]).as(name + "[" + i + "]").isCloseTo(a[i], within(1e-4f));
            }
        }
        double gradMass = 0;
        for (float[] g : whole.grads.values()) for (float v : g) gradMass += Math.abs(v);
        assertThat(gradMass).as("the test exercises real gradients").isGreaterThan(1e-3);
    }

    /**
     * Without autograd (scoring) each layer runs in its own scope and only its output is kept; the values must be the
     * recorded pass's, bit for bit (the same operations in the same order), whole and chunked, padded rows included.
     */
    @Test
    void scoringPassEqualsTheRecordedPass() {
        float[] recorded = pass(Long.MAX_VALUE).states;
        for (long chunkBytes : new long[] {Long.MAX_VALUE, 1, 4L * 4 * 12 * 12 * 3}) { // whole; 7 chunks; 2 + 2 + 3
            float[] scored = scoringStates(chunkBytes);
            assertThat(scored).as("chunk budget %d", chunkBytes).containsExactly(recorded);
        }
    }

    /** The hidden states of {@link #pass}'s batch with grad mode off, as a scoring pass runs. */
    static float[] scoringStates(long chunkBytes) {
        try (NDManager m = NDManager.newBaseManager()) {
            assertThat(dev.rlhf4j.engine.Engines.gradMode()).as("grad mode outside a collector").isFalse();
            BertEncoder e = new BertEncoder(m, TINY);
            e.initRandom(7);
            e.chunkBytes(chunkBytes);
            Batch in = batch(m);
            return e.hiddenStates(in.ids, in.types, in.mask, false).mul(in.mask.expandDims(2)).toFloatArray();
        }
    }

    /**
     * The first backward pass builds the dense gradient buffer; later ones add a sparse gradient into it. Both add the
     * batch's rows the same way, so the same loss must give the same word-embedding gradient bit for bit (what makes a
     * resumed run repeat the uninterrupted one), and the buffer must stay dense.
     */
    @Test
    void sparseEmbeddingBackwardAddsTheDenseGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            BertEncoder e = new BertEncoder(m, TINY);
            e.initRandom(11);
            NDArray table = e.parameters().asMap().get("embeddings.word_embeddings.weight");
            for (NDArray p : e.parameters().asMap().values()) p.setRequiresGradient(true);
            Shape shape = new Shape(2, 6);
            NDArray ids = m.create(new long[] {3, 9, 9, 4, 17, 2, 3, 3, 40, 1, 0, 0}, shape);
            NDArray types = m.zeros(shape, ai.djl.ndarray.types.DataType.INT64);
            NDArray mask = m.create(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, shape);
            assertThat(dev.rlhf4j.engine.Engines.hasDenseGradient(table)).isFalse();
            float[] w = new float[2 * 6 * TINY.hiddenSize()];
            Random rnd = new Random(2);
            for (int i = 0; i < w.length; i++) w[i] = (float) rnd.nextGaussian();
            NDArray weights = m.create(w, new Shape(2, 6, TINY.hiddenSize()));
            float[][] grads = new float[3][];
            for (int pass = 0; pass < 3; pass++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray h = e.hiddenStates(ids, types, mask, true);
                    gc.backward(h.mul(weights).sum());
                }
                assertThat(dev.rlhf4j.engine.Engines.hasDenseGradient(table)).as("pass " + pass).isTrue();
                grads[pass] = table.getGradient().toFloatArray();
                if (pass == 0) dev.rlhf4j.train.optim.GradientClipping.zero(e.parameters());
            }
            float[] dense = grads[0], sparse = grads[1], accumulated = grads[2]; // first pass, a later pass, two passes
            double mass = 0;
            for (int i = 0; i < dense.length; i++) {
                float tol = 1e-6f * (1 + Math.abs(dense[i]));
                assertThat(sparse[i]).as("row %d", i / TINY.hiddenSize()).isEqualTo(dense[i]);
                assertThat(accumulated[i]).isCloseTo(2 * dense[i], within(2 * tol));
                mass += Math.abs(dense[i]);
            }
            assertThat(mass).isGreaterThan(1e-3);
            assertThat(dense[5 * TINY.hiddenSize()]).as("a row no token uses").isZero();
        }
    }

    record Result(float[] states, Map<String, float[]> grads) {}

    record Batch(NDArray ids, NDArray types, NDArray mask, float[] maskValues, Random rnd) {}

    /** 7 sequences of 12 tokens, some padded; the generator goes on to draw {@link #pass}'s weights. */
    static Batch batch(NDManager m) {
        int b = 7, t = 12;
        Random rnd = new Random(3);
        long[] ids = new long[b * t];
        float[] mask = new float[b * t];
        for (int r = 0; r < b; r++) {
            int len = r % 3 == 0 ? t : 4 + rnd.nextInt(t - 4);
            for (int c = 0; c < len; c++) {
                ids[r * t + c] = 1 + rnd.nextInt(TINY.vocabSize() - 1);
                mask[r * t + c] = 1;
            }
        }
        Shape shape = new Shape(b, t);
        return new Batch(m.create(ids, shape), m.zeros(shape, ai.djl.ndarray.types.DataType.INT64), m.create(mask, shape), mask, rnd);
    }

    /** Hidden states of 7 sequences of 12 tokens (some padded) and the gradients of a weighted sum of them. */
    static Result pass(long chunkBytes) {
        try (NDManager m = NDManager.newBaseManager()) {
            BertEncoder e = new BertEncoder(m, TINY);
            e.initRandom(7);
            e.chunkBytes(chunkBytes);
            Batch in = batch(m);
            float[] mask = in.maskValues;
            float[] w = new float[mask.length * TINY.hiddenSize()];
            for (int i = 0; i < w.length; i++) w[i] = (float) in.rnd.nextGaussian() * mask[i / TINY.hiddenSize()];
            NDArray weights = m.create(w, new Shape(7, 12, TINY.hiddenSize()));
            for (NDArray p : e.parameters().asMap().values()) p.setRequiresGradient(true);
            float[] states;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray h = e.hiddenStates(in.ids, in.types, in.mask, true);
                states = h.mul(in.mask.expandDims(2)).toFloatArray();
                gc.backward(h.mul(weights).sum());
            }
            Map<String, float[]> grads = new LinkedHashMap<>();
            e.parameters().asMap().forEach((name, p) -> grads.put(name, p.getGradient().toFloatArray()));
            return new Result(states, grads);
        }
    }
}
