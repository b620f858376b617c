package dev.rlhf4j.data.parquet;

/** Snappy's raw block format (what Parquet's SNAPPY codec stores): a length, then literals and back-references. */
final class Snappy {
    private Snappy() {}

    static byte[] decompress(byte[] in, int off, int len) {
        int p = off, end = off + len;
        long n = 0;
        for (int shift = 0; ; shift += 7) {
            int b = in[p++] & 0xff;
            n |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        byte[] out = new byte[Math.toIntExact(n)];
        int o = 0;
        while (p < end) {
            int tag = in[p++] & 0xff;
            switch (tag & 3) {
                case 0 -> {
                    int l = tag >>> 2;
                    if (l >= 60) {
                        int bytes = l - 59, v = 0;
                        for (int i = 0; i < bytes; i++) v |= (in[p++] & 0xff) << (8 * i);
                        l = v;
                    }
                    l++;
                    System.arraycopy(in, p, out, o, l);
                    p += l;
                    o += l;
                }
                case 1 -> {
                    int l = ((tag >>> 2) & 7) + 4;
                    int offset = ((tag >>> 5) << 8) | (in[p++] & 0xff);
                    o = copy(out, o, offset, l);
                }
                case 2 -> {
                    int l = (tag >>> 2) + 1;
                    int offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8;
                    p += 2;
                    o = copy(out, o, offset, l);
                }
                default -> {
                    int l = (tag >>> 2) + 1;
                    int offset = (in[p] & 0xff) | (in[p + 1] & 0xff) << 8 | (in[p + 2] & 0xff) << 16 | (in[p + 3] & 0xff) << 24;
                    p += 4;
                    o = copy(out, o, offset, l);
                }
            }
        }
        if (o != out.length) throw new IllegalStateException("Snappy: expected " + out.length + " bytes, got " + o);
        return out;
    }

    /** A back-reference, byte by byte since source and target may overlap. */
    private static int copy(byte[] out, int o, int offset, int len) {
        if (offset <= 0 || offset > o) throw new IllegalStateException("Snappy: bad offset " + offset + " at " + o);
        for (int i = 0; i < len; i++, o++) out[o] = out[o - offset];
        return o;
    }
}
