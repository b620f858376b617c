package dev.rlhf4j.model.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reader and writer of the Hugging Face safetensors format: an 8-byte little-endian header length
 * {@code N}, {@code N} bytes of JSON header
 * ({@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}}), then the
 * tensor bytes, offsets counted from the start of the data.
 *
 * <p>The reader memory-maps the file and checks the header length and every tensor's byte range
 * against the file size before allocating anything; F32, F16, BF16 and F64 are read as fp32 (BF16
 * widened exactly by {@code bits << 16}). The writer stores F32, tensors sorted by name, header
 * padded with spaces to a multiple of 8, and replaces the target atomically.
 */
public final class Safetensors {

    /** The largest header accepted (the Hugging Face library uses the same 100 MB cap). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    private static final ObjectMapper JSON = Json.MAPPER;

    private Safetensors() {}

    /** The tensors (sorted by name) and the {@code __metadata__} string map of a file. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {}

    /** One tensor entry of a header, validated against the file but not yet decoded. */
    private record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    // ------------------------------------------------------------------------------------------
    // Reading
    // ------------------------------------------------------------------------------------------

    /** Reads every tensor of {@code file} as fp32, plus its metadata. */
    public static Contents read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > size - 8) {
                throw bad(file, "header length " + Long.toUnsignedString(headerLen)
                        + " does not fit in the file of " + size + " bytes");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw bad(file, "header length " + headerLen + " exceeds the limit of " + MAX_HEADER_BYTES);
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            long dataStart = 8 + headerLen;
            long dataSize = size - dataStart;

            JsonNode root;
            try {
                root = JSON.readTree(headerBuf.array());
            } catch (JsonProcessingException e) {
                throw bad(file, "header is not valid JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw bad(file, "header is not a JSON object");
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                if (METADATA_KEY.equals(f.getKey())) {
                    readMetadata(file, f.getValue(), metadata);
                } else {
                    entries.add(parseEntry(file, f.getKey(), f.getValue(), dataSize));
                }
            }
            // Everything is validated: now allocate and decode.
            TreeMap<String, HostTensor> sorted = new TreeMap<>();
            for (Entry e : entries) {
                sorted.put(e.name(), decode(file, ch, dataStart, e));
            }
            return new Contents(Collections.unmodifiableMap(new LinkedHashMap<>(sorted)),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read safetensors file " + file, e);
        }
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> out) {
        if (node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw bad(file, "__metadata__ is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw bad(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw badTensor(file, name, "header entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw badTensor(file, name, "missing or non-string 'dtype'");
        }
        if (shapeNode == null || !shapeNode.isArray()) {
            throw badTensor(file, name, "missing or non-array 'shape'");
        }
        if (offNode == null || !offNode.isArray() || offNode.size() != 2
                || !offNode.get(0).canConvertToExactIntegral() || !offNode.get(1).canConvertToExactIntegral()
                || !offNode.get(0).canConvertToLong() || !offNode.get(1).canConvertToLong()) {
            throw badTensor(file, name, "'data_offsets' must be two integers");
        }
        String dtype = dtypeNode.textValue();
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToExactIntegral() || !d.canConvertToLong() || d.asLong() < 0) {
                throw badTensor(file, name, "invalid dimension " + d + " in shape " + shapeNode);
            }
            shape[i] = d.asLong();
        }
        long begin = offNode.get(0).asLong();
        long end = offNode.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw badTensor(file, name, "data_offsets [" + begin + ", " + end + "] fall outside the "
                    + dataSize + " data bytes of the file (file truncated or header corrupt)");
        }
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw badTensor(file, name, "unsupported dtype " + dtype
                    + " (only F32, F16, BF16 and F64 are read, as fp32)");
        };
        long numel;
        try {
            numel = HostTensor.numel(shape);
        } catch (ArithmeticException e) {
            throw badTensor(file, name, "shape " + Arrays.toString(shape) + " overflows");
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw badTensor(file, name, "shape " + Arrays.toString(shape) + " has more elements than a Java array");
        }
        if (numel * width != end - begin) {
            throw badTensor(file, name, dtype + " shape " + Arrays.toString(shape) + " needs " + numel * width
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static HostTensor decode(Path file, FileChannel ch, long dataStart, Entry e) throws IOException {
        int n = Math.toIntExact(HostTensor.numel(e.shape()));
        float[] out = new float[n];
        long len = e.end() - e.begin();
        if (len > 0) {
            ByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), len)
                    .order(ByteOrder.LITTLE_ENDIAN);
            switch (e.dtype()) {
                case "F32" -> b.asFloatBuffer().get(out);
                case "F64" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) b.getDouble(8 * i);
                    }
                }
                case "F16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = HalfFloats.halfToFloat(b.getShort(2 * i));
                    }
                }
                case "BF16" -> {
                    for (int i = 0; i < n; i++) {
                        out[i] = HalfFloats.bf16ToFloat(b.getShort(2 * i));
                    }
                }
                default -> throw badTensor(file, e.name(), "unsupported dtype " + e.dtype());
            }
        }
        return new HostTensor(e.name(), e.shape(), out);
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, p);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            p += r;
        }
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("Invalid safetensors file " + file + ": " + what);
    }

    private static IllegalArgumentException badTensor(Path file, String tensor, String what) {
        return new IllegalArgumentException("Invalid safetensors file " + file + ", tensor '" + tensor + "': "
                + what);
    }

    // ------------------------------------------------------------------------------------------
    // Writing
    // ------------------------------------------------------------------------------------------

    /**
     * Writes {@code tensors} as F32 (sorted by name) with {@code metadata} (may be null or empty),
     * atomically replacing {@code file}. Map keys are the stored names.
     */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        TreeMap<String, HostTensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
            if (METADATA_KEY.equals(e.getKey())) {
                throw new IllegalArgumentException("A tensor cannot be called " + METADATA_KEY);
            }
            HostTensor t = e.getValue();
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", "F32");
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = 4L * t.data().length;
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise safetensors header", e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
                head.putLong(padded).put(headerBytes).flip();
                writeFully(ch, head);
                ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                int perChunk = chunk.capacity() / 4;
                for (HostTensor t : sorted.values()) {
                    float[] d = t.data();
                    for (int i = 0; i < d.length; i += perChunk) {
                        int n = Math.min(perChunk, d.length - i);
                        chunk.clear();
                        chunk.asFloatBuffer().put(d, i, n);
                        chunk.limit(4 * n);
                        writeFully(ch, chunk);
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write safetensors file " + file, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
