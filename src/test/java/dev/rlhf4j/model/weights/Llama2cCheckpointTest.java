package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cCheckpointTest {
    @TempDir
    Path dir;

    /** A llama2.c .bin whose every float is its own index among the floats (1, 2, 3, ...). */
    static byte[] syntheticBin(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int seqLen) {
        Llama2cCheckpoint.Header h = new Llama2cCheckpoint.Header(dim, hidden, layers, heads, kvHeads,
                Math.abs(vocab), seqLen, vocab > 0);
        int floats = (int) ((h.expectedFileBytes() - Llama2cCheckpoint.HEADER_BYTES) / 4);
        ByteBuffer b = ByteBuffer.allocate(Llama2cCheckpoint.HEADER_BYTES + 4 * floats)
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {dim, hidden, layers, heads, kvHeads, vocab, seqLen}) {
            b.putInt(v);
        }
        for (int i = 0; i < floats; i++) {
            b.putFloat(i + 1);
        }
        return b.array();
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void stories260KConfigAndShapes() {
        Path bin = SharedFiles.get("models/stories260K/stories260K.bin");
        Llama2cCheckpoint ck = Llama2cCheckpoint.read(bin);
        ObjectNode c = ck.config();
        assertThat(c.get("architectures").get(0).asText()).isEqualTo("LlamaForCausalLM");
        assertThat(c.get("model_type").asText()).isEqualTo("llama");
        assertThat(c.get("hidden_size").asInt()).isEqualTo(64);
        assertThat(c.get("intermediate_size").asInt()).isEqualTo(172);
        assertThat(c.get("num_hidden_layers").asInt()).isEqualTo(5);
        assertThat(c.get("num_attention_heads").asInt()).isEqualTo(8);
        assertThat(c.get("num_key_value_heads").asInt()).isEqualTo(4);
        assertThat(c.get("head_dim").asInt()).isEqualTo(8);
        assertThat(c.get("vocab_size").asInt()).isEqualTo(512);
        assertThat(c.get("max_position_embeddings").asInt()).isEqualTo(512);
        assertThat(c.get("rms_norm_eps").asDouble()).isEqualTo(1e-5);
        assertThat(c.get("rope_theta").asDouble()).isEqualTo(10000.0);
        assertThat(c.get("hidden_act").asText()).isEqualTo("silu");
        assertThat(c.get("tie_word_embeddings").asBoolean()).isTrue();
        assertThat(c.get("bos_token_id").asInt()).isEqualTo(1);
        assertThat(c.get("eos_token_id").asInt()).isEqualTo(2);
        assertThat(c.get("attention_bias").asBoolean()).isFalse();
        assertThat(c.get("mlp_bias").asBoolean()).isFalse();
        assertThat(c.get("torch_dtype").asText()).isEqualTo("float32");

        Map<String, HostTensor> t = ck.tensors();
        assertThat(t).hasSize(1 + 5 * 9 + 1).doesNotContainKey("lm_head.weight");
        assertThat(t.get("model.embed_tokens.weight").shape()).containsExactly(512, 64);
        assertThat(t.get("model.norm.weight").shape()).containsExactly(64);
        for (int l = 0; l < 5; l++) {
            String p = "model.layers." + l + ".";
            assertThat(t.get(p + "input_layernorm.weight").shape()).containsExactly(64);
            assertThat(t.get(p + "post_attention_layernorm.weight").shape()).containsExactly(64);
            assertThat(t.get(p + "self_attn.q_proj.weight").shape()).containsExactly(64, 64);
            assertThat(t.get(p + "self_attn.k_proj.weight").shape()).containsExactly(32, 64);
            assertThat(t.get(p + "self_attn.v_proj.weight").shape()).containsExactly(32, 64);
            assertThat(t.get(p + "self_attn.o_proj.weight").shape()).containsExactly(64, 64);
            assertThat(t.get(p + "mlp.gate_proj.weight").shape()).containsExactly(172, 64);
            assertThat(t.get(p + "mlp.up_proj.weight").shape()).containsExactly(172, 64);
            assertThat(t.get(p + "mlp.down_proj.weight").shape()).containsExactly(64, 172);
        }
        t.forEach((name, tensor) -> assertThat(tensor.name()).isEqualTo(name));
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(bin)).isTrue();
    }

    @Test
    void stories260KValuesMatchTheRawFile() throws Exception {
        Path bin = SharedFiles.get("models/stories260K/stories260K.bin");
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, HostTensor> t = Llama2cCheckpoint.read(bin).tensors();
        int dim = 64;
        // Float offsets (after the header) of the arrays, from the layout.
        long emb = 0;
        long rmsAtt = emb + 512L * dim;
        long wq = rmsAtt + 5L * dim;
        float[] e = t.get("model.embed_tokens.weight").data();
        for (int i : new int[] {0, 1, 777, e.length - 1}) {
            assertThat(e[i]).isEqualTo(raw.getFloat(28 + 4 * (int) (emb + i)));
        }
        float[] g = t.get("model.layers.0.input_layernorm.weight").data();
        assertThat(g[5]).isEqualTo(raw.getFloat(28 + 4 * (int) (rmsAtt + 5)));
        // Layer 1, head 3, llama2.c row 3*8 + 2*1 + 1 = 27 (pair 1, odd) becomes row 3*8 + 4 + 1 = 29.
        float[] q1 = t.get("model.layers.1.self_attn.q_proj.weight").data();
        for (int col : new int[] {0, 17, 63}) {
            assertThat(q1[29 * dim + col]).isEqualTo(raw.getFloat(28 + 4 * (int) (wq + dim * dim + 27 * dim + col)));
        }
        // The final norm sits right before the rotary tables, the last thing in a shared-classifier file.
        float[] norm = t.get("model.norm.weight").data();
        int tables = 2 * 512 * 4;
        assertThat(norm[63]).isEqualTo(raw.getFloat(raw.capacity() - 4 * (tables + 1)));
    }

    @Test
    void syntheticLayoutNamesAndRotaryPermutation() throws Exception {
        // dim 8, 2 heads of 4, 1 kv head, hidden 6, 2 layers, unshared vocab 5, seq_len 3.
        Path bin = write("tiny.bin", syntheticBin(8, 6, 2, 2, 1, -5, 3));
        Llama2cCheckpoint ck = Llama2cCheckpoint.read(bin);
        assertThat(ck.config().get("tie_word_embeddings").asBoolean()).isFalse();
        assertThat(ck.config().get("head_dim").asInt()).isEqualTo(4);
        Map<String, HostTensor> t = ck.tensors();
        assertThat(t.keySet()).containsExactly("model.embed_tokens.weight",
                "model.layers.0.input_layernorm.weight", "model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
                "model.layers.0.self_attn.o_proj.weight", "model.layers.0.post_attention_layernorm.weight",
                "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                "model.layers.0.mlp.down_proj.weight",
                "model.layers.1.input_layernorm.weight", "model.layers.1.self_attn.q_proj.weight",
                "model.layers.1.self_attn.k_proj.weight", "model.layers.1.self_attn.v_proj.weight",
                "model.layers.1.self_attn.o_proj.weight", "model.layers.1.post_attention_layernorm.weight",
                "model.layers.1.mlp.gate_proj.weight", "model.layers.1.mlp.up_proj.weight",
                "model.layers.1.mlp.down_proj.weight",
                "model.norm.weight", "lm_head.weight");

        // Float index (1-based value) where each llama2.c array starts.
        int emb = 1;
        int rmsAtt = emb + 5 * 8;
        int wq = rmsAtt + 2 * 8;
        int wk = wq + 2 * 64;
        int wv = wk + 2 * 4 * 8;
        int wo = wv + 2 * 4 * 8;
        int rmsFfn = wo + 2 * 64;
        int w1 = rmsFfn + 2 * 8;
        int w2 = w1 + 2 * 6 * 8;
        int w3 = w2 + 2 * 8 * 6;
        int rmsF = w3 + 2 * 6 * 8;
        int freq = rmsF + 8;
        int wcls = freq + 2 * 3 * 2;

        assertThat(t.get("model.embed_tokens.weight").data()[0]).isEqualTo(emb);
        assertThat(t.get("model.layers.1.input_layernorm.weight").data()[0]).isEqualTo(rmsAtt + 8);
        assertThat(t.get("model.layers.1.self_attn.v_proj.weight").data()[0]).isEqualTo(wv + 32);
        assertThat(t.get("model.layers.0.self_attn.o_proj.weight").data()[0]).isEqualTo(wo);
        assertThat(t.get("model.layers.0.post_attention_layernorm.weight").data()[0]).isEqualTo(rmsFfn);
        assertThat(t.get("model.layers.0.mlp.gate_proj.weight").data()[0]).isEqualTo(w1);
        assertThat(t.get("model.layers.0.mlp.down_proj.weight").data()[0]).isEqualTo(w2);
        assertThat(t.get("model.layers.0.mlp.up_proj.weight").data()[0]).isEqualTo(w3);
        assertThat(t.get("model.norm.weight").data()).startsWith((float) rmsF).endsWith((float) rmsF + 7);
        // The rotary tables are skipped: lm_head follows them.
        float[] cls = t.get("lm_head.weight").data();
        assertThat(cls[0]).isEqualTo(wcls);
        assertThat(cls[cls.length - 1]).isEqualTo(wcls + 5 * 8 - 1);

        // q_proj of layer 1: head h, new row j < 2 is old row 2j, new row 2 + j is old row 2j + 1.
        float[] q = t.get("model.layers.1.self_attn.q_proj.weight").data();
        int[] oldRowOfNew = {0, 2, 1, 3, 4, 6, 5, 7};
        for (int r = 0; r < 8; r++) {
            for (int c = 0; c < 8; c++) {
                assertThat(q[r * 8 + c]).as("q row %d col %d", r, c).isEqualTo(wq + 64 + oldRowOfNew[r] * 8 + c);
            }
        }
        // k_proj has one kv head of 4 rows: [0, 2, 1, 3].
        float[] k = t.get("model.layers.0.self_attn.k_proj.weight").data();
        int[] kOld = {0, 2, 1, 3};
        for (int r = 0; r < 4; r++) {
            assertThat(k[r * 8]).isEqualTo(wk + kOld[r] * 8);
        }
        // v_proj is not rotated, so not permuted.
        assertThat(t.get("model.layers.0.self_attn.v_proj.weight").data()[8]).isEqualTo(wv + 8);
    }

    @Test
    void permutedRowsUnderRotateHalfEqualTheInterleavedRotation() {
        // llama2.c rotates pairs (2j, 2j+1) by pos * theta^(-2j/hd); Hugging Face rotates (j, j + hd/2)
        // by the same angles. With the rows permuted, HF's q equals llama2.c's q, permuted.
        int heads = 3;
        int hd = 6;
        int in = 5;
        Random rnd = new Random(7);
        float[] w = new float[heads * hd * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        float[] x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        HostTensor orig = new HostTensor("q", new long[] {heads * hd, in}, w);
        HostTensor perm = Llama2cCheckpoint.unrotate(orig, heads);
        int pos = 11;
        double[] a = matvec(orig.data(), x, heads * hd, in);
        double[] b = matvec(perm.data(), x, heads * hd, in);
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < hd / 2; j++) {
                double f = pos * Math.pow(10000.0, -2.0 * j / hd);
                double c = Math.cos(f);
                double s = Math.sin(f);
                int i0 = h * hd + 2 * j; // llama2.c pair
                double a0 = a[i0] * c - a[i0 + 1] * s;
                double a1 = a[i0] * s + a[i0 + 1] * c;
                int k0 = h * hd + j; // rotate_half pair
                int k1 = k0 + hd / 2;
                double b0 = b[k0] * c - b[k1] * s;
                double b1 = b[k1] * c + b[k0] * s;
                assertThat(b0).isCloseTo(a0, within(1e-9));
                assertThat(b1).isCloseTo(a1, within(1e-9));
            }
        }
    }

    private static double[] matvec(float[] w, float[] x, int rows, int cols) {
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                y[r] += (double) w[r * cols + c] * x[c];
            }
        }
        return y;
    }

    @Test
    void sharedSyntheticHasNoLmHead() throws Exception {
        Path bin = write("shared.bin", syntheticBin(4, 4, 1, 1, 1, 7, 2));
        Llama2cCheckpoint ck = Llama2cCheckpoint.read(bin);
        assertThat(ck.tensors()).doesNotContainKey("lm_head.weight").hasSize(11);
        assertThat(ck.header().sharedClassifier()).isTrue();
        assertThat(ck.config().get("tie_word_embeddings").asBoolean()).isTrue();
    }

    @Test
    void truncatedAndOverlongFilesAreRejected() throws Exception {
        byte[] ok = syntheticBin(8, 6, 2, 2, 1, -5, 3);
        Path cut = write("cut.bin", Arrays.copyOf(ok, ok.length - 4));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(cut))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("implies " + ok.length + " bytes but the file has " + (ok.length - 4))
                .hasMessageContaining("truncated, 4 bytes short");
        Path longer = write("long.bin", Arrays.copyOf(ok, ok.length + 8));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(longer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(longer.toString())
                .hasMessageContaining("8 bytes too many");
        Path stub = write("stub.bin", Arrays.copyOf(ok, 20));
        assertThatThrownBy(() -> Llama2cCheckpoint.read(stub))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(stub.toString())
                .hasMessageContaining("20 bytes, shorter than the 28-byte header");
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(cut)).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(longer)).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(stub)).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(write("ok.bin", ok))).isTrue();
    }

    @Test
    void implausibleHeadersNameTheField() throws Exception {
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {header(0, 6, 2, 2, 1, 5, 3), "header field dim is 0, expected a positive value"});
        cases.add(new Object[] {header(8, -6, 2, 2, 1, 5, 3), "header field hidden_dim is -6"});
        cases.add(new Object[] {header(8, 6, 0, 2, 1, 5, 3), "header field n_layers is 0"});
        cases.add(new Object[] {header(8, 6, 2, 0, 1, 5, 3), "header field n_heads is 0"});
        cases.add(new Object[] {header(8, 6, 2, 2, 0, 5, 3), "header field n_kv_heads is 0"});
        cases.add(new Object[] {header(8, 6, 2, 2, 1, 0, 3), "header field vocab_size is 0"});
        cases.add(new Object[] {header(8, 6, 2, 2, 1, 5, -1), "header field seq_len is -1"});
        cases.add(new Object[] {header(8, 6, 2, 3, 1, 5, 3), "dim 8 is not a multiple of n_heads 3"});
        cases.add(new Object[] {header(8, 6, 2, 4, 3, 5, 3), "n_heads 4 is not a multiple of n_kv_heads 3"});
        cases.add(new Object[] {header(6, 6, 2, 2, 1, 5, 3), "head size dim/n_heads = 3 is odd"});
        cases.add(new Object[] {header(0x616b3432, 2, 0, 0, 0, 0, 0), "\"ak42\""});
        cases.add(new Object[] {header(1 << 30, 1 << 30, 1 << 30, 2, 1, 5, 3), "implies more than"});
        int n = 0;
        for (Object[] c : cases) {
            Path p = write("bad" + n++ + ".bin", (byte[]) c[0]);
            assertThatThrownBy(() -> Llama2cCheckpoint.read(p))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(p.toString())
                    .hasMessageContaining((String) c[1]);
            assertThat(Llama2cCheckpoint.looksLikeLlama2c(p)).isFalse();
        }
    }

    private static byte[] header(int... fields) {
        ByteBuffer b = ByteBuffer.allocate(4 * fields.length + 64).order(ByteOrder.LITTLE_ENDIAN);
        for (int f : fields) {
            b.putInt(f);
        }
        return b.array();
    }

    @Test
    void looksLikeLlama2cRejectsOtherThings() throws Exception {
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(SharedFiles.get("models/stories260K/tok512.bin"))).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(SharedFiles.get("models/hf-tiny/llama"))).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(dir)).isFalse();
        assertThat(Llama2cCheckpoint.looksLikeLlama2c(dir.resolve("missing.bin"))).isFalse();
    }
}
