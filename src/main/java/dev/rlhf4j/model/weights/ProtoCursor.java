package dev.rlhf4j.model.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A cursor over a protobuf message held in a ByteBuffer, using absolute reads: the generic part of
 * the protobuf wire format (varints, tags, length-delimited fields, fixed-width values, skipping by
 * wire type) used by {@link OnnxGraph}. Errors are {@link IllegalArgumentException}s naming the
 * source and byte offset.
 */
final class ProtoCursor {
    private final ByteBuffer buf;
    private int pos;
    private final int limit;
    private final String source;

    ProtoCursor(ByteBuffer buf, int pos, int limit, String source) {
        this.buf = buf; // little-endian, see OnnxGraph.parse()
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

    ProtoCursor sub(int len) {
        ProtoCursor p = new ProtoCursor(buf, pos, pos + len, source);
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
            ProtoCursor p = sub(length());
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

    /** A growable {@code long[]}. */
    static final class LongList {
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

    /** A growable {@code float[]}. */
    static final class FloatList {
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

    /** A growable {@code double[]}. */
    static final class DoubleList {
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
