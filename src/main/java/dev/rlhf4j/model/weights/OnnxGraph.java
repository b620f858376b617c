package dev.rlhf4j.model.weights;

import dev.rlhf4j.model.weights.ProtoCursor.DoubleList;
import dev.rlhf4j.model.weights.ProtoCursor.FloatList;
import dev.rlhf4j.model.weights.ProtoCursor.LongList;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the nodes and weights (graph initializers) of an ONNX model with a small, dependency-free
 * reader of the protobuf wire format ({@link ProtoCursor}). Nothing here is specific to a model
 * architecture; {@link OnnxInitializers} maps BERT exports to Hugging Face names.
 *
 * <p>Only what is needed is decoded: {@code ModelProto.graph} (7), {@code GraphProto.node} (1) and
 * {@code GraphProto.initializer} (5); every other field is skipped by wire type. Tensor payloads
 * stay as slices of the file until {@link Initializer#toHostTensor()} is called.
 */
public final class OnnxGraph {

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

    private OnnxGraph() {}

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
            return OnnxGraph.dataTypeName(dataType);
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
            url = OnnxGraph.class.getClassLoader().getResource(name);
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
            return parseModel(new ProtoCursor(le, buf.position(), buf.limit(), sourceName), sourceName);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("Malformed ONNX protobuf in " + sourceName + ": " + e, e);
        }
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
    // ONNX messages (ModelProto, GraphProto, NodeProto, TensorProto)
    // ------------------------------------------------------------------------------------------

    private static Graph parseModel(ProtoCursor pb, String source) {
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

    private static Graph parseGraph(ProtoCursor pb, String source) {
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

    private static Node parseNode(ProtoCursor pb) {
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

    private static Initializer parseTensor(ProtoCursor pb) {
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
                        ProtoCursor p = pb.sub(pb.length());
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
                        ProtoCursor p = pb.sub(pb.length());
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
}
