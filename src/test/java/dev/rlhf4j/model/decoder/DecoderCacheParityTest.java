package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Token-by-token decoding with the KV cache, through both attention paths (tensor masks and host-built masks),
 * gives the hidden states of one cache-free pass over the whole sequence, for a left-padded batch longer than
 * Gemma-2's sliding window of 4; and the sliding window and the llama3 rotary scaling change these outputs (so
 * the golden tests exercise them).
 */
class DecoderCacheParityTest {
    static final long[][] ROWS = {
            {1, 5713, 3714, 264, 727, 736, 403, 264, 1628, 18401, 28723, 415, 18401},
            {1, 1824, 349, 28705, 28787, 648, 28705, 28782, 28804}};

    /** Left-padded ids and mask (pad 0) of {@link #ROWS}, row-major. */
    static long[] ids(int cols) {
        long[] out = new long[ROWS.length * cols];
        for (int r = 0; r < ROWS.length; r++) System.arraycopy(ROWS[r], 0, out, r * cols + cols - ROWS[r].length, ROWS[r].length);
        return out;
    }

    static float[] mask(int cols) {
        float[] out = new float[ROWS.length * cols];
        for (int r = 0; r < ROWS.length; r++) java.util.Arrays.fill(out, r * cols + cols - ROWS[r].length, (r + 1) * cols, 1f);
        return out;
    }

    static long[] slice(long[] a, int cols, int from, int to) {
        long[] out = new long[ROWS.length * (to - from)];
        for (int r = 0; r < ROWS.length; r++) System.arraycopy(a, r * cols + from, out, r * (to - from), to - from);
        return out;
    }

    static float[] slice(float[] a, int cols, int from, int to) {
        float[] out = new float[ROWS.length * (to - from)];
        for (int r = 0; r < ROWS.length; r++) System.arraycopy(a, r * cols + from, out, r * (to - from), to - from);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemma2-bf16", "qwen3-bf16", "llama3"})
    void cachedDecodingEqualsOneFullPass(String name) {
        int cols = ROWS[0].length, prefix = 3;
        long[] ids = ids(cols);
        float[] mask = mask(cols);
        int rows = ROWS.length;
        try (CausalLm lm = CausalLm.load(SharedFiles.get("models/hf-tiny/" + name), Device.cpu()); NDScope scope = new NDScope()) {
            NDManager m = lm.manager();
            Decoder d = lm.decoder();
            int h = d.config().hiddenSize();
            float[] full = d.forward(m.create(ids, new Shape(rows, cols)), m.create(mask, new Shape(rows, cols)), null, false)
                    .toFloatArray();
            for (boolean host : new boolean[] {false, true}) {
                float[] cached = new float[rows * cols * h];
                try (KvCache cache = new KvCache(d.config().numLayers())) {
                    for (int from = 0; from < cols; from = from == 0 ? prefix : from + 1) {
                        int to = from == 0 ? prefix : from + 1;
                        long[] step = slice(ids, cols, from, to);
                        float[] seen = slice(mask, cols, 0, to);
                        NDArray out = host ? d.forward(step, seen, rows, cache, m)
                                : d.forward(m.create(step, new Shape(rows, to - from)), m.create(seen, new Shape(rows, to)), cache, false);
                        float[] o = out.toFloatArray();
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(o, r * (to - from) * h, cached, (r * cols + from) * h, (to - from) * h);
                        }
                    }
                }
                for (int r = 0; r < rows; r++) {
                    for (int t = cols - ROWS[r].length; t < cols; t++) { // real tokens only
                        for (int j = 0; j < h; j++) {
                            int i = (r * cols + t) * h + j;
                            assertThat((double) Math.abs(cached[i] - full[i])).as("%s %s row %d token %d", name,
                                    host ? "host path" : "tensor path", r, t).isLessThan(2e-5);
                        }
                    }
                }
            }
        }
    }

    /** Last-position logits of row 0 alone. */
    static float[] lastLogits(Path dir) {
        try (CausalLm lm = CausalLm.load(dir, Device.cpu())) {
            int[] ids = new int[ROWS[0].length];
            for (int i = 0; i < ids.length; i++) ids[i] = (int) ROWS[0][i];
            return lm.lastLogits(ids);
        }
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static Path withConfig(String name, Path tmp, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/" + name);
        DecoderCheckpointTest.copy(src, tmp, "model.safetensors", "tokenizer.json");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile());
        edit.accept(cfg);
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        return tmp;
    }

    @Test
    void theSlidingWindowAndTheLlama3ScalingChangeTheOutputs(@TempDir Path a, @TempDir Path b) throws Exception {
        Path gemma = SharedFiles.get("models/hf-tiny/gemma2-bf16");
        Path fullAttention = withConfig("gemma2-bf16", a, c -> {
            var types = c.putArray("layer_types");
            types.add("full_attention").add("full_attention");
        });
        assertThat(maxDiff(lastLogits(gemma), lastLogits(fullAttention))).isGreaterThan(1e-3);
        Path unscaled = withConfig("llama3", b, c -> ((ObjectNode) c.get("rope_parameters")).put("rope_type", "default"));
        assertThat(maxDiff(lastLogits(SharedFiles.get("models/hf-tiny/llama3")), lastLogits(unscaled))).isGreaterThan(1e-4);
        // the window slides on layer 0 only (layer_types), as transformers' even-layer rule also says
        try (CausalLm lm = CausalLm.load(gemma, Device.cpu())) {
            assertThat(List.of(lm.config().slidingLayer(0), lm.config().slidingLayer(1))).containsExactly(true, false);
            assertThat(lm.config().slidingWindow()).isEqualTo(4);
        }
    }

    @Test
    void theFinalSoftCapBoundsTheLogits() {
        try (CausalLm lm = CausalLm.load(SharedFiles.get("models/hf-tiny/gemma2-bf16"), Device.cpu()); NDScope scope = new NDScope()) {
            NDArray e = lm.decoder().tokenEmbeddings();
            NDArray hidden = e.get(new NDIndex("5:6, :")).mul(1e5f); // (1, H): logits far beyond the cap of 30
            float[] raw = hidden.matMul(e.transpose()).toFloatArray();
            float[] capped = lm.logits(hidden).toFloatArray();
            assertThat(lm.config().finalSoftcap()).isEqualTo(30.0);
            for (int i = 0; i < raw.length; i += 997) {
                double want = 30 * Math.tanh(raw[i] / 30.0);
                assertThat((double) capped[i]).as("logit %d (raw %f)", i, raw[i]).isCloseTo(want, org.assertj.core.api.Assertions.within(1e-4));
            }
            assertThat(Math.abs(capped[5])).isLessThanOrEqualTo(30f).isGreaterThan(29f);
        }
    }
}
