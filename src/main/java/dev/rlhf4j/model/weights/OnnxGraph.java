package dev.rlhf4j.model.weights;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.rlhf4j.model.weights.proto.OnnxWeights.GraphProto;
import dev.rlhf4j.model.weights.proto.OnnxWeights.ModelProto;
import dev.rlhf4j.model.weights.proto.OnnxWeights.TensorProto;
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
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the nodes and weights (graph initializers) of an ONNX model through the protobuf classes
 * generated from {@code src/main/proto/onnx_weights.proto}, which declares only the fields read
 * here ({@code ModelProto.graph}, {@code GraphProto.node} and {@code initializer}, and the parts of
 * {@code NodeProto} and {@code TensorProto} below); protobuf skips every other field. Nothing here
 * is specific to a model architecture; {@link OnnxInitializers} maps BERT exports to Hugging Face
 * names. Tensor payloads stay as views of the file until {@link Initializer#toHostTensor()} is called.
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
        private final TensorProto tensor;
        private final long[] dims;

        Initializer(TensorProto tensor) {
            this.tensor = tensor;
            this.dims = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
        }

        public String name() {
            return tensor.getName();
        }

        /** The ONNX {@code TensorProto.DataType} code. */
        public int dataType() {
            return tensor.getDataType();
        }

        public String dataTypeName() {
            return OnnxGraph.dataTypeName(dataType());
        }

        public long[] dims() {
            return dims.clone();
        }

        /** Whether {@link #toHostTensor()} can convert this element type to fp32. */
        public boolean isFloatConvertible() {
            return switch (dataType()) {
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
            return toHostTensor(name());
        }

        HostTensor toHostTensor(String newName) {
            String name = name();
            int dataType = dataType();
            if (tensor.getExternalDataCount() > 0 || tensor.getDataLocation() == 1) {
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
            if (tensor.hasRawData()) {
                ByteBuffer b = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                int width = switch (dataType) {
                    case FLOAT, INT32 -> 4;
                    case DOUBLE, INT64 -> 8;
                    default -> 2;
                };
                if ((long) n * width != b.remaining()) {
                    throw sizeMismatch("raw_data of " + b.remaining() + " bytes", (long) n * width);
                }
                int at = b.position();
                for (int i = 0; i < n; i++) {
                    out[i] = switch (dataType) {
                        case FLOAT -> b.getFloat(at + 4 * i);
                        case DOUBLE -> (float) b.getDouble(at + 8 * i);
                        case INT32 -> b.getInt(at + 4 * i);
                        case INT64 -> b.getLong(at + 8 * i);
                        case FLOAT16 -> HalfFloats.halfToFloat(b.getShort(at + 2 * i));
                        default -> HalfFloats.bf16ToFloat(b.getShort(at + 2 * i)); // BFLOAT16
                    };
                }
            } else {
                // The typed lists: float_data, double_data, int64_data, or int32_data, which also
                // carries FLOAT16 and BFLOAT16 as bit patterns.
                int count = switch (dataType) {
                    case FLOAT -> tensor.getFloatDataCount();
                    case DOUBLE -> tensor.getDoubleDataCount();
                    case INT64 -> tensor.getInt64DataCount();
                    default -> tensor.getInt32DataCount();
                };
                if (count != n) {
                    throw sizeMismatch(switch (dataType) {
                        case FLOAT -> "float_data";
                        case DOUBLE -> "double_data";
                        case INT64 -> "int64_data";
                        default -> "int32_data";
                    } + " of " + count + " values", n);
                }
                for (int i = 0; i < n; i++) {
                    out[i] = switch (dataType) {
                        case FLOAT -> tensor.getFloatData(i);
                        case DOUBLE -> (float) tensor.getDoubleData(i);
                        case INT64 -> tensor.getInt64Data(i);
                        case FLOAT16 -> HalfFloats.halfToFloat(tensor.getInt32Data(i));
                        case BFLOAT16 -> HalfFloats.bf16ToFloat(tensor.getInt32Data(i));
                        default -> tensor.getInt32Data(i); // INT32
                    };
                }
            }
            return new HostTensor(newName, dims.clone(), out);
        }

        private IllegalStateException sizeMismatch(String what, long expected) {
            return new IllegalStateException("ONNX initializer '" + name() + "' (" + dataTypeName() + ", dims "
                    + Arrays.toString(dims) + ") has " + what + ", expected " + expected);
        }

        @Override
        public String toString() {
            return name() + " " + dataTypeName() + Arrays.toString(dims);
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

    /**
     * Parses a serialized {@code ModelProto} held in {@code buf} (from its position to its limit).
     * Tensor payloads ({@code raw_data}) stay views of {@code buf}, not copies.
     */
    public static Graph parse(ByteBuffer buf, String sourceName) {
        Objects.requireNonNull(buf, "buf");
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(buf.duplicate());
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Malformed ONNX protobuf in " + sourceName + ": "
                    + e.getMessage(), e);
        } catch (IOException e) { // not thrown by a buffer-backed stream
            throw new UncheckedIOException("Cannot read ONNX model " + sourceName, e);
        }
        if (!model.hasGraph()) {
            throw new IllegalArgumentException("No graph (ModelProto field 7) in ONNX model " + sourceName);
        }
        GraphProto graph = model.getGraph();
        List<Node> nodes = graph.getNodeList().stream()
                .map(n -> new Node(n.getName(), n.getOpType(), List.copyOf(n.getInputList()),
                        List.copyOf(n.getOutputList())))
                .toList();
        List<Initializer> inits = graph.getInitializerList().stream().map(Initializer::new).toList();
        return new Graph(sourceName, inits, nodes);
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
}
