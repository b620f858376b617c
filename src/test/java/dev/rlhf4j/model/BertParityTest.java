package dev.rlhf4j.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our BERT encoder against ONNX Runtime running the original export of the same weights: the last
 * hidden states must agree within 1e-4 on every real token, with padding in the batch.
 */
class BertParityTest {
    static RewardModel model;

    @BeforeAll
    static void load() {
        model = RewardModels.pretrained("minilm", Device.cpu(), Pooling.CLS, 128, 1);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void hiddenStatesMatchOnnxRuntime() throws Exception {
        List<EncodedSequence> seqs = model.encoder().encode(
                List.of(List.of(Turn.user("How do I bake bread at home?")), List.of(Turn.user("hi"))),
                List.of("Mix flour, water, salt and yeast, let it rise, then bake at 230 C for 35 minutes.", "Hello!"));
        TokenBatch batch = TokenBatch.of(seqs, model.encoder().tokenizer().padId());
        float[] ours;
        try (NDScope scope = new NDScope()) {
            NDManager m = model.manager();
            Shape shape = new Shape(batch.rows(), batch.cols());
            NDArray h = model.backbone().hiddenStates(m.create(batch.ids(), shape), m.create(batch.typeIds(), shape),
                    m.create(batch.mask(), shape), false);
            ours = h.toFloatArray();
        }
        float[] reference = onnxHiddenStates(batch);
        assertThat(reference).hasSameSizeAs(ours);
        int hidden = 384;
        double maxDiff = 0;
        int compared = 0;
        for (int r = 0; r < batch.rows(); r++) {
            for (int c = 0; c < batch.cols(); c++) {
                if (batch.mask()[r * batch.cols() + c] == 0) continue; // padding rows are unspecified
                for (int k = 0; k < hidden; k++) {
                    int i = (r * batch.cols() + c) * hidden + k;
                    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
                    compared++;
                }
            }
        }
        assertThat(compared).isGreaterThan(hidden * 20);
        assertThat(maxDiff).as("max |ours - onnxruntime|").isLessThan(1e-4);
    }

    /** The [CLS]-only path CLS pooling takes (the last layer on row 0 only) gives the full path's row 0. */
    @Test
    void firstTokenStatesAreRowZeroOfTheFullPass() throws Exception {
        List<EncodedSequence> seqs = model.encoder().encode(
                List.of(List.of(Turn.user("Is the sky blue?")), List.of(Turn.user("hi")), List.of(Turn.user("Name a prime."))),
                List.of("Yes, on a clear day, because air scatters blue light most.", "Hello!", "Seven."));
        TokenBatch batch = TokenBatch.of(seqs, model.encoder().tokenizer().padId());
        float[] full, first;
        try (NDScope scope = new NDScope()) {
            NDManager m = model.manager();
            Shape shape = new Shape(batch.rows(), batch.cols());
            NDArray ids = m.create(batch.ids(), shape), types = m.create(batch.typeIds(), shape), mask = m.create(batch.mask(), shape);
            full = model.backbone().hiddenStates(ids, types, mask, false).get(":, 0, :").toFloatArray();
            first = model.backbone().firstTokenStates(model.backbone().lowerStates(ids, types, mask, 0, false), mask, 0, false)
                    .toFloatArray();
        }
        float[] reference = onnxHiddenStates(batch);
        assertThat(first).hasSameSizeAs(full).hasSize(batch.rows() * 384);
        double maxFull = 0, maxOnnx = 0;
        for (int r = 0; r < batch.rows(); r++) {
            for (int k = 0; k < 384; k++) {
                maxFull = Math.max(maxFull, Math.abs(first[r * 384 + k] - full[r * 384 + k]));
                maxOnnx = Math.max(maxOnnx, Math.abs(first[r * 384 + k] - reference[r * batch.cols() * 384 + k]));
            }
        }
        assertThat(maxFull).as("max |first-token path - full pass|").isLessThan(1e-5);
        assertThat(maxOnnx).as("max |first-token path - onnxruntime|").isLessThan(1e-4);
    }

    /** One ONNX Runtime session for the class: creating it from the 90 MB export is the costly part. */
    static OrtSession session;

    @AfterAll
    static void closeSession() throws Exception {
        if (session != null) session.close();
    }

    static synchronized float[] onnxHiddenStates(TokenBatch batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        if (session == null) {
            byte[] bytes;
            try (InputStream in = BertParityTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
                bytes = in.readAllBytes();
            }
            session = env.createSession(bytes, new OrtSession.SessionOptions());
        }
        long[] mask = new long[batch.mask().length];
        for (int i = 0; i < mask.length; i++) mask[i] = (long) batch.mask()[i];
        long[] shape = {batch.rows(), batch.cols()};
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.ids()), shape);
             OnnxTensor am = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tt = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.typeIds()), shape)) {
            Map<String, OnnxTensor> inputs = new java.util.HashMap<>();
            for (String name : session.getInputNames()) {
                inputs.put(name, name.contains("mask") ? am : name.contains("type") ? tt : ids);
            }
            try (OrtSession.Result out = session.run(inputs)) {
                float[][][] h = (float[][][]) out.get(0).getValue();
                float[] flat = new float[h.length * h[0].length * h[0][0].length];
                int p = 0;
                for (float[][] a : h) for (float[] b : a) for (float v : b) flat[p++] = v;
                return flat;
            }
        }
    }
}
