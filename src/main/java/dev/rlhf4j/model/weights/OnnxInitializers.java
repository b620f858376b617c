package dev.rlhf4j.model.weights;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the weights (graph initializers) of an ONNX model with a small, dependency-free reader of
 * the protobuf wire format, and maps BERT exports back to Hugging Face {@code BertModel} names.
 *
 * <p>Only what is needed is decoded: {@code ModelProto.graph} (7), {@code GraphProto.node} (1) and
 * {@code GraphProto.initializer} (5); every other field is skipped by wire type. Tensor payloads
 * stay as slices of the file until {@link Initializer#toHostTensor()} is called.
 *
 * <p>The quirk of {@code torch.onnx} exports of BERT (e.g. langchain4j's all-MiniLM-L6-v2 and
 * bge-small-en-v1.5): every {@code nn.Linear} weight is stored pre-transposed as {@code [in, out]}
 * under an anonymous name such as {@code onnx::MatMul_787}. {@link #bertWeights(Graph)} finds the
 * {@code MatMul} node that consumes it as its second input, derives the name from the node name
 * ({@code /encoder/layer.0/attention/self/query/MatMul} to
 * {@code encoder.layer.0.attention.self.query.weight}) and transposes to PyTorch's {@code [out, in]}.
 * Biases, LayerNorms and embeddings keep their (normalised) own names. {@code Gemm}-based exports
 * are not rewritten: their weights keep their own name and stored layout.
 */
public final class OnnxInitializers {

    // TensorProto.DataType values.
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int UINT16 = 4;
    public static final int INT16 = 5;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int STRING = 8;
    public static final int BOOL = 9;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;
    public static final int BFLOAT16 = 16;

    /** Names (after {@link #normaliseName}) of the tensors of a Hugging Face {@code BertModel}. */
    public static final Pattern BERT_WEIGHT_NAME = Pattern.compile(
            "embeddings\\.(?:word_embeddings|position_embeddings|token_type_embeddings)\\.weight"
            + "|embeddings\\.LayerNorm\\.(?:weight|bias)"
            + "|encoder\\.layer\\.\\d+\\.(?:attention\\.self\\.(?:query|key|value)|attention\\.output\\.dense"
            + "|intermediate\\.dense|output\\.dense)\\.(?:weight|bias)"
            + "|encoder\\.layer\\.\\d+\\.(?:attention\\.output|output)\\.LayerNorm\\.(?:weight|bias)"
            + "|pooler\\.dense\\.(?:weight|bias)");

    private static final Pattern MATMUL_NODE = Pattern.compile("^/?(.+)/MatMul$");
    private static final List<String> PREFIXES = List.of("0.auto_model.", "auto_model.", "model.", "bert.");

    private OnnxInitializers() {}

    // ------------------------------------------------------------------------------------------
    // Public data types
    // ------------------------------------------------------------------------------------------

    /** A graph node: only what is needed to name weights. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs) {}

    /** The parsed part of an ONNX graph. */
    public record Graph(String source, List<Initializer> initializers, List<Node> nodes) {
        /** The initializer called {@code name}, if any. */
        public Optional<Initializer> initializer(String name) {
            for (Initializer i : initializers) {
                if (i.name().equals(name)) {
                    return Optional.of(i);
                }
            }
            return Optional.empty();
        }

        /** The node called {@code name}, if any. */
        public Optional<Node> node(String name) {
            for (Node n : nodes) {
                if (n.name().equals(name)) {
                    return Optional.of(n);
                }
            }
            return Optional.empty();
        }
    }

    /** How one ONNX initializer maps to a Hugging Face tensor (for debugging and tests). */
    public record Mapping(String onnxName, String hfName, boolean transposed, String consumerNode) {}

    /** One raw initializer (TensorProto) whose payload is decoded on demand. */
    public static final class Initializer {
        private final String name;
        private final int dataType;
        private final long[] dims;
        private final ByteBuffer raw;        // little-endian slice of raw_data, or null
        private final float[] floatData;     // float_data, or null
        private final double[] doubleData;   // double_data, or null
        private final long[] intData;        // int32_data / int64_data (also fp16/bf16 bits), or null
        private final boolean external;

        Initializer(String name, int dataType, long[] dims, ByteBuffer raw, float[] floatData,
                double[] doubleData, long[] intData, boolean external) {
            this.name = name;
            this.dataType = dataType;
            this.dims = dims;
            this.raw = raw;
            this.floatData = floatData;
            this.doubleData = doubleData;
            this.intData = intData;
            this.external = external;
        }

        public String name() {
            return name;
        }

        /** The ONNX {@code TensorProto.DataType} code. */
        public int dataType() {
            return dataType;
        }

        public String dataTypeName() {
            return OnnxInitializers.dataTypeName(dataType);
        }

        public long[] dims() {
            return dims.clone();
        }

        /** Whether {@link #toHostTensor()} can convert this element type to fp32. */
        public boolean isFloatConvertible() {
            return switch (dataType) {
                case FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT32, INT64 -> true;
                default -> false;
            };
        }

        /**
         * Decodes the payload to fp32 (FLOAT; DOUBLE, FLOAT16, BFLOAT16, INT32 and INT64 are converted).
         *
         * @throws IllegalStateException for other element types, external data or a size mismatch
         */
        public HostTensor toHostTensor() {
            return toHostTensor(name);
        }

        HostTensor toHostTensor(String newName) {
            if (external) {
                throw new IllegalStateException("ONNX initializer '" + name
                        + "' uses external data, which this reader does not support");
            }
            if (!isFloatConvertible()) {
                throw new IllegalStateException("ONNX initializer '" + name + "' has element type "
                        + dataTypeName() + " (" + dataType + "); only FLOAT, DOUBLE, FLOAT16, BFLOAT16, "
                        + "INT32 and INT64 can be read as fp32");
            }
            long numel = HostTensor.numel(dims);
            if (numel > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("ONNX initializer '" + name + "' is too large: " + numel);
            }
            int n = (int) numel;
            float[] out = new float[n];
            if (raw != null) {
                int width = switch (dataType) {
                    case FLOAT, INT32 -> 4;
                    case DOUBLE, INT64 -> 8;
                    default -> 2;
                };
                if ((long) n * width != raw.remaining()) {
                    throw sizeMismatch("raw_data of " + raw.remaining() + " bytes", (long) n * width);
                }
                ByteBuffer b = raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
                switch (dataType) {
                    case FLOAT -> b.asFloatBuffer().get(out);
                    case DOUBLE -> {
                        for (int i = 0; i < n; i++) {
                            out[i] = (float) b.getDouble(b.position() + 8 * i);
                        }
                    }
                    case INT32 -> {
                        for (int i = 0; i < n; i++) {
                            out[i] = b.getInt(b.position() + 4 * i);
                        }
                    }
                    case INT64 -> {
                        for (int i = 0; i < n; i++) {
                            out[i] = b.getLong(b.position() + 8 * i);
                        }
                    }
                    case FLOAT16 -> {
                        for (int i = 0; i < n; i++) {
                            out[i] = HalfFloats.halfToFloat(b.getShort(b.position() + 2 * i));
                        }
                    }
                    case BFLOAT16 -> {
                        for (int i = 0; i < n; i++) {
                            out[i] = HalfFloats.bf16ToFloat(b.getShort(b.position() + 2 * i));
                        }
                    }
                    default -> throw new AssertionError(dataType);
                }
            } else if (dataType == FLOAT) {
                float[] src = floatData == null ? new float[0] : floatData;
                if (src.length != n) {
                    throw sizeMismatch("float_data of " + src.length + " values", n);
                }
                System.arraycopy(src, 0, out, 0, n);
            } else if (dataType == DOUBLE) {
                double[] src = doubleData == null ? new double[0] : doubleData;
                if (src.length != n) {
                    throw sizeMismatch("double_data of " + src.length + " values", n);
                }
                for (int i = 0; i < n; i++) {
                    out[i] = (float) src[i];
                }
            } else {
                // int32_data carries INT32, FLOAT16 and BFLOAT16 (as bit patterns); int64_data INT64.
                long[] src = intData == null ? new long[0] : intData;
                if (src.length != n) {
                    throw sizeMismatch("int data of " + src.length + " values", n);
                }
                for (int i = 0; i < n; i++) {
                    out[i] = switch (dataType) {
                        case FLOAT16 -> HalfFloats.halfToFloat((int) src[i]);
                        case BFLOAT16 -> HalfFloats.bf16ToFloat((int) src[i]);
                        default -> (float) src[i];
                    };
                }
            }
            return new HostTensor(newName, dims.clone(), out);
        }

        private IllegalStateException sizeMismatch(String what, long expected) {
            return new IllegalStateException("ONNX initializer '" + name + "' (" + dataTypeName() + ", dims "
                    + Arrays.toString(dims) + ") has " + what + ", expected " + expected);
        }

        @Override
        public String toString() {
            return name + " " + dataTypeName() + Arrays.toString(dims);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Entry points
    // ------------------------------------------------------------------------------------------

    /** BERT weights (Hugging Face names, sorted) of the ONNX file at {@code path}. */
    public static Map<String, HostTensor> loadBertWeights(Path path) {
        return bertWeights(readGraph(path));
    }

    /** BERT weights of the ONNX model in a classpath resource, e.g. {@code /all-minilm-l6-v2.onnx}. */
    public static Map<String, HostTensor> loadBertWeightsFromResource(String resource) {
        return bertWeights(readGraphFromResource(resource));
    }

    /** BERT weights of the ONNX model read fully from {@code in} (not closed). */
    public static Map<String, HostTensor> loadBertWeights(InputStream in) {
        return bertWeights(readGraph(in, "<stream>"));
    }

    /** Parses the ONNX file at {@code path} (memory-mapped). */
    public static Graph readGraph(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("ONNX file " + path + " is larger than 2 GiB (" + size
                        + " bytes); protobuf models cannot be that large without external data");
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            return parse(buf, path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read ONNX file " + path, e);
        }
    }

    /** Parses an ONNX model read fully from {@code in} (not closed). */
    public static Graph readGraph(InputStream in, String sourceName) {
        try {
            return parse(ByteBuffer.wrap(in.readAllBytes()), sourceName);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read ONNX model " + sourceName, e);
        }
    }

    /** Parses an ONNX model from the classpath; a leading {@code /} is optional. */
    public static Graph readGraphFromResource(String resource) {
        String name = resource.startsWith("/") ? resource.substring(1) : resource;
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        URL url = cl == null ? null : cl.getResource(name);
        if (url == null) {
            url = OnnxInitializers.class.getClassLoader().getResource(name);
        }
        if (url == null) {
            throw new IllegalArgumentException("ONNX resource not found on the classpath: /" + name);
        }
        if ("file".equals(url.getProtocol())) {
            try {
                return readGraph(Path.of(url.toURI()));
            } catch (URISyntaxException e) {
                // fall through to the stream
            }
        }
        try {
            URLConnection conn = url.openConnection();
            long len = conn.getContentLengthLong();
            try (InputStream in = conn.getInputStream()) {
                byte[] bytes;
                if (len >= 0 && len <= Integer.MAX_VALUE - 8) {
                    // Jar entries know their inflated size: read straight into one exact array.
                    bytes = in.readNBytes((int) len);
                    if (bytes.length != len || in.read() != -1) {
                        throw new IOException("resource length differs from the declared " + len + " bytes");
                    }
                } else {
                    bytes = in.readAllBytes();
                }
                return parse(ByteBuffer.wrap(bytes), "classpath:/" + name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read ONNX resource /" + name, e);
        }
    }

    /** Parses a serialized {@code ModelProto} held in {@code buf} (from its position to its limit). */
    public static Graph parse(ByteBuffer buf, String sourceName) {
        Objects.requireNonNull(buf, "buf");
        try {
            ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            return parseModel(new Pb(le, buf.position(), buf.limit(), sourceName), sourceName);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("Malformed ONNX protobuf in " + sourceName + ": " + e, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // BERT naming
    // ------------------------------------------------------------------------------------------

    /** The mapping of each BERT weight in {@code graph}, sorted by Hugging Face name. */
    public static List<Mapping> bertWeightMappings(Graph graph) {
        Map<String, Initializer> byName = new HashMap<>();
        for (Initializer init : graph.initializers()) {
            byName.put(init.name(), init);
        }
        // Initializer name -> first MatMul node consuming it as B.
        Map<String, Node> matmulB = new HashMap<>();
        for (Node node : graph.nodes()) {
            if ("MatMul".equals(node.opType()) && node.inputs().size() >= 2) {
                String b = node.inputs().get(1);
                if (byName.containsKey(b)) {
                    matmulB.putIfAbsent(b, node);
                }
            }
        }
        TreeMap<String, Mapping> out = new TreeMap<>();
        for (Initializer init : graph.initializers()) {
            String own = normaliseName(init.name());
            Node consumer = matmulB.get(init.name());
            Mapping m = null;
            if (consumer != null && init.dims.length == 2) {
                String derived = linearNameFromMatMulNode(consumer.name()).orElse(null);
                String hf = BERT_WEIGHT_NAME.matcher(own).matches() ? own : derived;
                if (hf != null && BERT_WEIGHT_NAME.matcher(hf).matches()) {
                    m = new Mapping(init.name(), hf, true, consumer.name());
                }
            } else if (BERT_WEIGHT_NAME.matcher(own).matches()) {
                m = new Mapping(init.name(), own, false, null);
            }
            if (m == null) {
                continue; // position_ids, shape constants, non-BERT tensors
            }
            Mapping prev = out.put(m.hfName(), m);
            if (prev != null) {
                throw new IllegalStateException("Two ONNX initializers map to '" + m.hfName() + "' in "
                        + graph.source() + ": '" + prev.onnxName() + "' and '" + m.onnxName() + "'");
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * The BERT weights of {@code graph} under Hugging Face {@code BertModel} names (no {@code bert.}
     * prefix), Linear weights as {@code [out, in]}, sorted by name. Other initializers are ignored.
     */
    public static Map<String, HostTensor> bertWeights(Graph graph) {
        Map<String, Initializer> byName = new HashMap<>();
        for (Initializer init : graph.initializers()) {
            byName.put(init.name(), init);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Mapping m : bertWeightMappings(graph)) {
            Initializer init = byName.get(m.onnxName());
            HostTensor t = init.toHostTensor(m.hfName());
            out.put(m.hfName(), m.transposed() ? t.transpose2d(m.hfName()) : t);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Normalises an initializer name to plain {@code BertModel} naming: strips {@code bert.} (and
     * sentence-transformers' {@code 0.auto_model.}) prefixes and adds a missing {@code embeddings.}.
     */
    public static String normaliseName(String name) {
        String n = name;
        boolean again = true;
        while (again) {
            again = false;
            for (String p : PREFIXES) {
                if (n.startsWith(p)) {
                    n = n.substring(p.length());
                    again = true;
                }
            }
        }
        if (n.startsWith("word_embeddings.") || n.startsWith("position_embeddings.")
                || n.startsWith("token_type_embeddings.") || n.equals("LayerNorm.weight")
                || n.equals("LayerNorm.bias")) {
            n = "embeddings." + n;
        }
        return n;
    }

    /**
     * {@code /encoder/layer.0/attention/self/query/MatMul} to
     * {@code encoder.layer.0.attention.self.query.weight} (normalised), if the node name has that form.
     */
    public static Optional<String> linearNameFromMatMulNode(String nodeName) {
        if (nodeName == null) {
            return Optional.empty();
        }
        Matcher m = MATMUL_NODE.matcher(nodeName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(normaliseName(m.group(1).replace('/', '.') + ".weight"));
    }

    /** A readable name for an ONNX element type code. */
    public static String dataTypeName(int code) {
        return switch (code) {
            case 0 -> "UNDEFINED";
            case FLOAT -> "FLOAT";
            case UINT8 -> "UINT8";
            case INT8 -> "INT8";
            case UINT16 -> "UINT16";
            case INT16 -> "INT16";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case STRING -> "STRING";
            case BOOL -> "BOOL";
            case FLOAT16 -> "FLOAT16";
            case DOUBLE -> "DOUBLE";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 14 -> "COMPLEX64";
            case 15 -> "COMPLEX128";
            case BFLOAT16 -> "BFLOAT16";
            default -> "TYPE_" + code;
        };
    }

    // ------------------------------------------------------------------------------------------
    // Protobuf wire format
    // ------------------------------------------------------------------------------------------

    private static Graph parseModel(Pb pb, String source) {
        Graph graph = null;
        while (pb.more()) {
            int tag = pb.tag();
            if (tag >>> 3 == 7 && (tag & 7) == 2) {
                int len = pb.length();
                graph = parseGraph(pb.sub(len), source);
            } else {
                pb.skip(tag);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("No graph (ModelProto field 7) in ONNX model " + source);
        }
        return graph;
    }

    private static Graph parseGraph(Pb pb, String source) {
        List<Initializer> inits = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        while (pb.more()) {
            int tag = pb.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                nodes.add(parseNode(pb.sub(pb.length())));
            } else if (field == 5 && (tag & 7) == 2) {
                inits.add(parseTensor(pb.sub(pb.length())));
            } else {
                pb.skip(tag);
            }
        }
        return new Graph(source, List.copyOf(inits), List.copyOf(nodes));
    }

    private static Node parseNode(Pb pb) {
        List<String> in = new ArrayList<>(2);
        List<String> out = new ArrayList<>(1);
        String name = "";
        String op = "";
        while (pb.more()) {
            int tag = pb.tag();
            if ((tag & 7) != 2) {
                pb.skip(tag);
                continue;
            }
            switch (tag >>> 3) {
                case 1 -> in.add(pb.string());
                case 2 -> out.add(pb.string());
                case 3 -> name = pb.string();
                case 4 -> op = pb.string();
                default -> pb.skip(tag);
            }
        }
        return new Node(name, op, List.copyOf(in), List.copyOf(out));
    }

    private static Initializer parseTensor(Pb pb) {
        LongList dims = new LongList();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        FloatList floats = null;
        DoubleList doubles = null;
        LongList ints = null;
        boolean external = false;
        while (pb.more()) {
            int tag = pb.tag();
            int wt = tag & 7;
            switch (tag >>> 3) {
                case 1 -> pb.varints(wt, dims, tag);
                case 2 -> {
                    if (wt != 0) {
                        pb.skip(tag);
                    } else {
                        dataType = (int) pb.varint();
                    }
                }
                case 4 -> {
                    if (floats == null) {
                        floats = new FloatList();
                    }
                    if (wt == 5) {
                        floats.add(pb.fixed32f());
                    } else if (wt == 2) {
                        Pb p = pb.sub(pb.length());
                        while (p.more()) {
                            floats.add(p.fixed32f());
                        }
                    } else {
                        pb.skip(tag);
                    }
                }
                case 5, 7 -> { // int32_data / int64_data: varints, packed or not
                    if (ints == null) {
                        ints = new LongList();
                    }
                    boolean is32 = (tag >>> 3) == 5;
                    int before = ints.size;
                    pb.varints(wt, ints, tag);
                    if (is32) {
                        for (int i = before; i < ints.size; i++) {
                            ints.data[i] = (int) ints.data[i];
                        }
                    }
                }
                case 8 -> {
                    if (wt == 2) {
                        name = pb.string();
                    } else {
                        pb.skip(tag);
                    }
                }
                case 9 -> {
                    if (wt == 2) {
                        raw = pb.bytes(pb.length());
                    } else {
                        pb.skip(tag);
                    }
                }
                case 10 -> {
                    if (doubles == null) {
                        doubles = new DoubleList();
                    }
                    if (wt == 1) {
                        doubles.add(pb.fixed64d());
                    } else if (wt == 2) {
                        Pb p = pb.sub(pb.length());
                        while (p.more()) {
                            doubles.add(p.fixed64d());
                        }
                    } else {
                        pb.skip(tag);
                    }
                }
                case 13 -> {
                    external = true;
                    pb.skip(tag);
                }
                case 14 -> {
                    if (wt == 0) {
                        external |= pb.varint() == 1;
                    } else {
                        pb.skip(tag);
                    }
                }
                default -> pb.skip(tag);
            }
        }
        return new Initializer(name, dataType, dims.toArray(), raw,
                floats == null ? null : floats.toArray(), doubles == null ? null : doubles.toArray(),
                ints == null ? null : ints.toArray(), external);
    }

    /** A cursor over a protobuf message held in a ByteBuffer, using absolute reads. */
    private static final class Pb {
        private final ByteBuffer buf;
        private int pos;
        private final int limit;
        private final String source;

        Pb(ByteBuffer buf, int pos, int limit, String source) {
            this.buf = buf; // little-endian, see parse()
            this.pos = pos;
            this.limit = limit;
            this.source = source;
        }

        boolean more() {
            return pos < limit;
        }

        private IllegalArgumentException malformed(String what) {
            return new IllegalArgumentException("Malformed ONNX protobuf in " + source + " at byte " + pos
                    + ": " + what);
        }

        long varint() {
            long r = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= limit) {
                    throw malformed("truncated varint");
                }
                byte b = buf.get(pos++);
                r |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return r;
                }
            }
            throw malformed("varint longer than 10 bytes");
        }

        int tag() {
            long t = varint();
            if (t >>> 3 == 0 || t > 0xFFFFFFFFL) {
                throw malformed("invalid field tag " + t);
            }
            return (int) t;
        }

        int length() {
            long len = varint();
            if (len < 0 || len > limit - pos) {
                throw malformed("length " + len + " runs past the end of the enclosing message ("
                        + (limit - pos) + " bytes left)");
            }
            return (int) len;
        }

        Pb sub(int len) {
            Pb p = new Pb(buf, pos, pos + len, source);
            pos += len;
            return p;
        }

        ByteBuffer bytes(int len) {
            ByteBuffer b = buf.duplicate();
            b.limit(pos + len).position(pos);
            pos += len;
            return b.slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        String string() {
            int len = length();
            byte[] b = new byte[len];
            buf.get(pos, b, 0, len);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        private void need(int n) {
            if (limit - pos < n) {
                throw malformed("truncated fixed-width field");
            }
        }

        float fixed32f() {
            need(4);
            float f = buf.getFloat(pos);
            pos += 4;
            return f;
        }

        double fixed64d() {
            need(8);
            double d = buf.getDouble(pos);
            pos += 8;
            return d;
        }

        /** Reads a repeated varint field, packed (wire type 2) or one element (wire type 0). */
        void varints(int wt, LongList out, int tag) {
            if (wt == 0) {
                out.add(varint());
            } else if (wt == 2) {
                Pb p = sub(length());
                while (p.more()) {
                    out.add(p.varint());
                }
            } else {
                skip(tag);
            }
        }

        void skip(int tag) {
            int wt = tag & 7;
            switch (wt) {
                case 0 -> varint();
                case 1 -> {
                    need(8);
                    pos += 8;
                }
                case 2 -> {
                    int len = length(); // not "pos += length()": that reads pos before the varint
                    pos += len;
                }
                case 5 -> {
                    need(4);
                    pos += 4;
                }
                case 3 -> { // deprecated group: skip nested fields up to the matching end-group tag
                    int field = tag >>> 3;
                    while (true) {
                        if (!more()) {
                            throw malformed("unterminated group for field " + field);
                        }
                        int t = tag();
                        if ((t & 7) == 4) {
                            if (t >>> 3 != field) {
                                throw malformed("mismatched end-group tag");
                            }
                            return;
                        }
                        skip(t);
                    }
                }
                default -> throw malformed("unsupported wire type " + wt + " (field " + (tag >>> 3) + ")");
            }
        }
    }

    private static final class LongList {
        long[] data = new long[4];
        int size;

        void add(long v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class FloatList {
        float[] data = new float[16];
        int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class DoubleList {
        double[] data = new double[16];
        int size;

        void add(double v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }

        double[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
