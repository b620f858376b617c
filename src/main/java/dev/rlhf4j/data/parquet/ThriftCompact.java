package dev.rlhf4j.data.parquet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader of Thrift's compact protocol into generic values, which is how Parquet stores its footer and page headers:
 * a struct becomes a {@link Struct} keyed by field id, a list a {@link List}, integers {@link Long}, binary {@code byte[]}.
 */
final class ThriftCompact {
    private final byte[] buf;
    private int pos;

    ThriftCompact(byte[] buf, int pos) {
        this.buf = buf;
        this.pos = pos;
    }

    int position() {
        return pos;
    }

    /** A decoded struct: field id → value. */
    record Struct(Map<Integer, Object> fields) {
        boolean has(int id) {
            return fields.containsKey(id);
        }

        long i(int id) {
            Object v = fields.get(id);
            if (v == null) throw new IllegalStateException("Parquet metadata: field " + id + " is missing");
            return (Long) v;
        }

        long i(int id, long absent) {
            Object v = fields.get(id);
            return v == null ? absent : (Long) v;
        }

        boolean bool(int id, boolean absent) {
            Object v = fields.get(id);
            return v == null ? absent : (Boolean) v;
        }

        String str(int id) {
            Object v = fields.get(id);
            return v == null ? null : new String((byte[]) v, StandardCharsets.UTF_8);
        }

        Struct struct(int id) {
            return (Struct) fields.get(id);
        }

        @SuppressWarnings("unchecked")
        List<Object> list(int id) {
            Object v = fields.get(id);
            return v == null ? List.of() : (List<Object>) v;
        }
    }

    Struct readStruct() {
        Map<Integer, Object> fields = new HashMap<>();
        int last = 0;
        while (true) {
            int header = buf[pos++] & 0xff;
            int type = header & 0x0f;
            if (type == 0) return new Struct(fields);
            int delta = header >>> 4;
            int id = delta != 0 ? last + delta : (int) zigzag(varint());
            last = id;
            fields.put(id, value(type));
        }
    }

    private Object value(int type) {
        return switch (type) {
            case 1 -> Boolean.TRUE;
            case 2 -> Boolean.FALSE;
            case 3 -> (long) buf[pos++];
            case 4, 5, 6 -> zigzag(varint());
            case 7 -> {
                long bits = 0;
                for (int i = 0; i < 8; i++) bits |= (buf[pos++] & 0xffL) << (8 * i);
                yield Double.longBitsToDouble(bits);
            }
            case 8 -> {
                int n = (int) varint();
                byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
                pos += n;
                yield b;
            }
            case 9, 10 -> {
                int h = buf[pos++] & 0xff;
                int n = h >>> 4 == 15 ? (int) varint() : h >>> 4;
                int et = h & 0x0f;
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) out.add(et == 1 || et == 2 ? (buf[pos++] == 1) : value(et));
                yield out;
            }
            case 11 -> {
                int n = (int) varint();
                Map<Object, Object> m = new HashMap<>();
                if (n > 0) {
                    int kv = buf[pos++] & 0xff;
                    for (int i = 0; i < n; i++) m.put(value(kv >>> 4), value(kv & 0x0f));
                }
                yield m;
            }
            case 12 -> readStruct();
            default -> throw new IllegalStateException("Parquet metadata: unknown Thrift compact type " + type + " at byte " + (pos - 1));
        };
    }

    private long varint() {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int b = buf[pos++] & 0xff;
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) return v;
        }
    }

    private static long zigzag(long n) {
        return (n >>> 1) ^ -(n & 1);
    }
}
