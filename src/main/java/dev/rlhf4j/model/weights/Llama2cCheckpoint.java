package dev.rlhf4j.model.weights;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A llama2.c checkpoint (the legacy "version 0" {@code .bin} of Karpathy's {@code export.py} /
 * {@code run.c}) read into Hugging Face {@code LlamaForCausalLM} form: a {@code config.json} and fp32
 * tensors under the Hugging Face names.
 *
 * <p>Layout: a header of 7 little-endian int32 {@code dim, hidden_dim, n_layers, n_heads, n_kv_heads,
 * vocab_size, seq_len} ({@code vocab_size < 0} means the classifier is not shared with the
 * embedding), then fp32 arrays: token_embedding (V,dim), rms_att (L,dim), wq (L,dim,dim), wk
 * (L,kv_dim,dim), wv (L,kv_dim,dim), wo (L,dim,dim), rms_ffn (L,dim), w1 (L,hidden,dim), w2
 * (L,dim,hidden), w3 (L,hidden,dim), rms_final (dim), freq_cis_real and freq_cis_imag (seq_len,
 * head_size/2, skipped: Hugging Face recomputes them), and wcls (V,dim) only when unshared.
 *
 * <p>llama2.c rotates interleaved pairs {@code (2j, 2j+1)} of each head, Hugging Face rotates halves
 * {@code (j, j + head_dim/2)}; the rows of {@code q_proj} and {@code k_proj} are permuted per head as
 * Hugging Face's {@code convert_llama_weights_to_hf.py} does, so the converted model computes the
 * same function under Hugging Face's {@code rotate_half}.
 *
 * @param header  the dimensions from the file's header
 * @param config  a Hugging Face {@code config.json} for {@code LlamaForCausalLM} (mutable: a fresh node
 *                per read)
 * @param tensors the weights under Hugging Face names, in the order of the Hugging Face module tree
 */
public record Llama2cCheckpoint(Header header, ObjectNode config, Map<String, HostTensor> tensors) {

    /** Bytes of the int32 header. */
    public static final int HEADER_BYTES = 7 * Integer.BYTES;

    /** First int32 of the newer llama2.c exports ({@code "ak42"}), which this reader does not handle. */
    private static final int VERSIONED_MAGIC = 0x616b3432;

    /** Bytes mapped at a time: a single mapping is capped at 2 GiB, and a 7B embedding needs 500 MB. */
    private static final long MAP_CHUNK_BYTES = 1L << 28;

    public Llama2cCheckpoint {
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(tensors, "tensors");
    }

    /**
     * The header of a llama2.c checkpoint.
     *
     * @param vocabSize         the vocabulary size (the absolute value of the stored field)
     * @param sharedClassifier  whether the classifier is the embedding (stored vocab_size positive)
     */
    public record Header(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                         int seqLen, boolean sharedClassifier) {

        public int headDim() {
            return dim / nHeads;
        }

        public int kvDim() {
            return headDim() * nKvHeads;
        }

        /**
         * The file size this header implies, in bytes.
         *
         * @throws ArithmeticException if that size overflows a long (a nonsense header)
         */
        public long expectedFileBytes() {
            long l = nLayers;
            long d = dim;
            long v = vocabSize;
            long floats = 0;
            floats = add(floats, v * d);                              // token_embedding
            floats = add(floats, l * d);                              // rms_att
            floats = add(floats, mul(l, d * d));                      // wq
            floats = add(floats, mul(2 * l, kvDim() * d));            // wk, wv
            floats = add(floats, mul(l, d * d));                      // wo
            floats = add(floats, l * d);                              // rms_ffn
            floats = add(floats, mul(3 * l, hiddenDim * d));          // w1, w2, w3
            floats = add(floats, d);                                  // rms_final
            floats = add(floats, 2L * seqLen * (headDim() / 2));      // freq_cis_real, freq_cis_imag
            floats = add(floats, sharedClassifier ? 0 : v * d);       // wcls
            return add(HEADER_BYTES, mul(4, floats));
        }

        private static long add(long a, long b) {
            return Math.addExact(a, b);
        }

        private static long mul(long a, long b) {
            return Math.multiplyExact(a, b);
        }
    }

    /**
     * Reads {@code bin}, checking its header and size before allocating any tensor.
     *
     * @throws IllegalArgumentException if the header is implausible or the file size does not match it
     * @throws UncheckedIOException     if the file cannot be read
     */
    public static Llama2cCheckpoint read(Path bin) {
        try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.READ)) {
            long size = ch.size();
            Header h = parseHeader(bin, ch, size);
            long expected;
            try {
                expected = h.expectedFileBytes();
            } catch (ArithmeticException e) {
                throw bad(bin, "the header (" + describe(h) + ") implies more than " + Long.MAX_VALUE + " bytes");
            }
            if (size != expected) {
                throw bad(bin, "the header (" + describe(h) + ") implies " + expected + " bytes but the file has "
                        + size + " (" + (size < expected ? "truncated, " + (expected - size) + " bytes short"
                        : (size - expected) + " bytes too many") + ")");
            }
            return new Llama2cCheckpoint(h, config(h), readTensors(ch, h));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read llama2.c checkpoint " + bin, e);
        }
    }

    /**
     * Whether {@code path} is a regular file with a plausible llama2.c header and exactly the size that
     * header implies; never throws. Lets a CLI tell a {@code .bin} from a Hugging Face directory.
     */
    public static boolean looksLikeLlama2c(Path path) {
        try {
            if (path == null || !Files.isRegularFile(path)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = ch.size();
                return parseHeader(path, ch, size).expectedFileBytes() == size;
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Header parseHeader(Path bin, FileChannel ch, long size) throws IOException {
        if (size < HEADER_BYTES) {
            throw bad(bin, "the file is " + size + " bytes, shorter than the " + HEADER_BYTES + "-byte header");
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, b.position()) < 0) {
                throw bad(bin, "unexpected end of file in the header");
            }
        }
        int dim = b.getInt(0);
        int hidden = b.getInt(4);
        int layers = b.getInt(8);
        int heads = b.getInt(12);
        int kvHeads = b.getInt(16);
        int vocab = b.getInt(20);
        int seqLen = b.getInt(24);
        if (dim == VERSIONED_MAGIC) {
            throw bad(bin, "starts with the magic \"ak42\" of a versioned llama2.c export; only the legacy"
                    + " (version 0, export.py --version 0) layout is supported");
        }
        positive(bin, "dim", dim);
        positive(bin, "hidden_dim", hidden);
        positive(bin, "n_layers", layers);
        positive(bin, "n_heads", heads);
        positive(bin, "n_kv_heads", kvHeads);
        if (vocab == 0 || vocab == Integer.MIN_VALUE) {
            throw bad(bin, "header field vocab_size is " + vocab + ", expected a non-zero value (negative"
                    + " means an unshared classifier)");
        }
        positive(bin, "seq_len", seqLen);
        if (dim % heads != 0) {
            throw bad(bin, "header field dim " + dim + " is not a multiple of n_heads " + heads);
        }
        if (heads % kvHeads != 0) {
            throw bad(bin, "header field n_heads " + heads + " is not a multiple of n_kv_heads " + kvHeads);
        }
        if ((dim / heads) % 2 != 0) {
            throw bad(bin, "head size dim/n_heads = " + dim / heads + " is odd; rotary embeddings need it even");
        }
        return new Header(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), seqLen, vocab > 0);
    }

    private static void positive(Path bin, String field, int value) {
        if (value <= 0) {
            throw bad(bin, "header field " + field + " is " + value + ", expected a positive value");
        }
    }

    private static String describe(Header h) {
        return "dim " + h.dim() + ", hidden_dim " + h.hiddenDim() + ", n_layers " + h.nLayers() + ", n_heads "
                + h.nHeads() + ", n_kv_heads " + h.nKvHeads() + ", vocab_size " + h.vocabSize() + ", seq_len "
                + h.seqLen() + ", " + (h.sharedClassifier() ? "shared" : "unshared") + " classifier";
    }

    /** The Hugging Face {@code LlamaForCausalLM} config.json for {@code h}. */
    public static ObjectNode config(Header h) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", h.vocabSize());
        c.put("hidden_size", h.dim());
        c.put("intermediate_size", h.hiddenDim());
        c.put("num_hidden_layers", h.nLayers());
        c.put("num_attention_heads", h.nHeads());
        c.put("num_key_value_heads", h.nKvHeads());
        c.put("head_dim", h.headDim());
        c.put("max_position_embeddings", h.seqLen());
        // Constants hard-coded in run.c.
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", h.sharedClassifier());
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("torch_dtype", "float32");
        return c;
    }

    private static Map<String, HostTensor> readTensors(FileChannel ch, Header h) throws IOException {
        int dim = h.dim();
        int hid = h.hiddenDim();
        int kv = h.kvDim();
        int layers = h.nLayers();
        Cursor in = new Cursor(ch, HEADER_BYTES);
        HostTensor[] embed = in.stack("model.embed_tokens.weight", 1, h.vocabSize(), dim);
        HostTensor[] attNorm = in.stack("model.layers.%d.input_layernorm.weight", layers, dim);
        HostTensor[] wq = in.stack("model.layers.%d.self_attn.q_proj.weight", layers, dim, dim);
        HostTensor[] wk = in.stack("model.layers.%d.self_attn.k_proj.weight", layers, kv, dim);
        HostTensor[] wv = in.stack("model.layers.%d.self_attn.v_proj.weight", layers, kv, dim);
        HostTensor[] wo = in.stack("model.layers.%d.self_attn.o_proj.weight", layers, dim, dim);
        HostTensor[] ffnNorm = in.stack("model.layers.%d.post_attention_layernorm.weight", layers, dim);
        HostTensor[] w1 = in.stack("model.layers.%d.mlp.gate_proj.weight", layers, hid, dim);
        HostTensor[] w2 = in.stack("model.layers.%d.mlp.down_proj.weight", layers, dim, hid);
        HostTensor[] w3 = in.stack("model.layers.%d.mlp.up_proj.weight", layers, hid, dim);
        HostTensor[] norm = in.stack("model.norm.weight", 1, dim);
        in.skip(2L * h.seqLen() * (h.headDim() / 2)); // freq_cis_real, freq_cis_imag
        HostTensor[] cls = h.sharedClassifier() ? null : in.stack("lm_head.weight", 1, h.vocabSize(), dim);

        Map<String, HostTensor> out = new LinkedHashMap<>();
        put(out, embed[0]);
        for (int l = 0; l < layers; l++) {
            put(out, attNorm[l]);
            put(out, unrotate(wq[l], h.nHeads()));
            put(out, unrotate(wk[l], h.nKvHeads()));
            put(out, wv[l]);
            put(out, wo[l]);
            put(out, ffnNorm[l]);
            put(out, w1[l]);
            put(out, w3[l]);
            put(out, w2[l]);
        }
        put(out, norm[0]);
        if (cls != null) {
            put(out, cls[0]);
        }
        return Collections.unmodifiableMap(out);
    }

    private static void put(Map<String, HostTensor> out, HostTensor t) {
        out.put(t.name(), t);
    }

    /**
     * Permutes the rows of a q/k projection {@code (heads * headDim, in)} from llama2.c's interleaved
     * rotary pairs to Hugging Face's halves: within each head, new row {@code j} is old row {@code 2j}
     * and new row {@code headDim/2 + j} is old row {@code 2j+1} (that is
     * {@code w.view(heads, headDim/2, 2, in).transpose(1, 2).reshape(out, in)}).
     */
    public static HostTensor unrotate(HostTensor w, int heads) {
        if (w.rank() != 2 || w.shape()[0] % heads != 0 || (w.shape()[0] / heads) % 2 != 0) {
            throw new IllegalArgumentException("Cannot permute rotary rows of " + w + " over " + heads + " heads");
        }
        int rows = Math.toIntExact(w.shape()[0]);
        int cols = Math.toIntExact(w.shape()[1]);
        int headDim = rows / heads;
        int half = headDim / 2;
        float[] src = w.data();
        float[] dst = new float[src.length];
        for (int hd = 0; hd < heads; hd++) {
            int base = hd * headDim;
            for (int j = 0; j < half; j++) {
                System.arraycopy(src, (base + 2 * j) * cols, dst, (base + j) * cols, cols);
                System.arraycopy(src, (base + 2 * j + 1) * cols, dst, (base + half + j) * cols, cols);
            }
        }
        return new HostTensor(w.name(), w.shape().clone(), dst);
    }

    /** Sequential fp32 reads through read-only mappings (the size was checked against the header). */
    private static final class Cursor {
        private final FileChannel ch;
        private long pos;

        Cursor(FileChannel ch, long pos) {
            this.ch = ch;
            this.pos = pos;
        }

        /** {@code count} stacked tensors of {@code shape}, named by {@code format} with the index. */
        HostTensor[] stack(String format, int count, int... shape) throws IOException {
            long[] s = new long[shape.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = shape[i];
            }
            int n = Math.toIntExact(HostTensor.numel(s));
            HostTensor[] out = new HostTensor[count];
            for (int i = 0; i < count; i++) {
                float[] data = new float[n];
                read(data);
                out[i] = new HostTensor(count == 1 ? format : String.format(format, i), s.clone(), data);
            }
            return out;
        }

        void skip(long floats) {
            pos += 4 * floats;
        }

        private void read(float[] data) throws IOException {
            int done = 0;
            while (done < data.length) {
                int n = (int) Math.min(data.length - done, MAP_CHUNK_BYTES / 4);
                FloatBuffer fb = ch.map(FileChannel.MapMode.READ_ONLY, pos, 4L * n)
                        .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                fb.get(data, done, n);
                done += n;
                pos += 4L * n;
            }
        }
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("Invalid llama2.c checkpoint " + file + ": " + what);
    }
}
