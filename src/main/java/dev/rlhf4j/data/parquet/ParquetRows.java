package dev.rlhf4j.data.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.parquet.ThriftCompact.Struct;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The rows of a Parquet file as JSON objects, one per row, fields named and nested as in the file's schema: flat
 * columns become JSON values, lists (the LIST annotation's three-level form, or a bare repeated field) JSON arrays, and
 * groups JSON objects. Reads PLAIN and dictionary-encoded values, data pages v1 and v2, uncompressed, Snappy or gzip
 * (what pyarrow and the Hugging Face hub write by default); other codecs, encodings or nesting deeper than one list are
 * refused with the column named. The whole file is read into memory.
 */
public final class ParquetRows {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int REQUIRED = 0, REPEATED = 2;
    private static final int BOOLEAN = 0, INT32 = 1, INT64 = 2, FLOAT = 4, DOUBLE = 5, BYTE_ARRAY = 6;

    private final Path file;
    private final byte[] bytes;
    /** Per leaf column: repetition levels, definition levels, and the non-null values, over all row groups. */
    private final List<int[]> reps = new ArrayList<>(), defs = new ArrayList<>();
    private final List<List<JsonNode>> values = new ArrayList<>();
    private int[] cur, valueCur;

    private ParquetRows(Path file, byte[] bytes) {
        this.file = file;
        this.bytes = bytes;
    }

    /** Whether the file starts with Parquet's magic {@code PAR1}. */
    public static boolean isParquet(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(4);
            return b.length == 4 && b[0] == 'P' && b[1] == 'A' && b[2] == 'R' && b[3] == '1';
        }
    }

    public static List<ObjectNode> read(Path file) {
        try {
            return new ParquetRows(file, Files.readAllBytes(file)).rows();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith(file.toString())) throw e;
            throw new IllegalArgumentException(file + ": not a Parquet file rlhf4j can read: " + e, e);
        }
    }

    /** A schema node with its cumulative definition and repetition levels. */
    private static final class Node {
        final String name;
        final int repetition, type, leaf;
        final boolean listAnnotated;
        final List<Node> children = new ArrayList<>();
        Node parent;
        int def, rep;

        Node(String name, int repetition, int type, boolean listAnnotated, int leaf) {
            this.name = name;
            this.repetition = repetition;
            this.type = type;
            this.listAnnotated = listAnnotated;
            this.leaf = leaf;
        }

        boolean isLeaf() {
            return type >= 0;
        }

        String path() {
            return parent == null || parent.parent == null ? name : parent.path() + "." + name;
        }
    }

    private final List<Node> leaves = new ArrayList<>();

    private List<ObjectNode> rows() {
        int n = bytes.length;
        if (n < 12 || bytes[n - 4] != 'P' || bytes[n - 3] != 'A' || bytes[n - 2] != 'R' || bytes[n - 1] != '1') {
            throw new IllegalArgumentException(file + ": no Parquet footer (PAR1 at the end)");
        }
        int metaLen = le32(bytes, n - 8);
        Struct meta = new ThriftCompact(bytes, n - 8 - metaLen).readStruct();
        List<Object> schema = meta.list(2);
        int[] at = {1};
        Node root = new Node("", REQUIRED, -1, false, -1);
        int rootChildren = (int) ((Struct) schema.get(0)).i(5);
        for (int i = 0; i < rootChildren; i++) root.children.add(node(schema, at, root));
        for (int i = 0; i < leaves.size(); i++) {
            reps.add(new int[0]);
            defs.add(new int[0]);
            values.add(new ArrayList<>());
        }
        long numRows = meta.i(3);
        for (Object rg : meta.list(4)) {
            List<Object> cols = ((Struct) rg).list(1);
            if (cols.size() != leaves.size()) {
                throw new IllegalArgumentException(file + ": a row group has " + cols.size() + " columns, the schema " + leaves.size());
            }
            for (int c = 0; c < cols.size(); c++) readChunk(leaves.get(c), ((Struct) cols.get(c)).struct(3));
        }
        cur = new int[leaves.size()];
        valueCur = new int[leaves.size()];
        List<ObjectNode> out = new ArrayList<>((int) numRows);
        for (long r = 0; r < numRows; r++) {
            ObjectNode row = F.objectNode();
            for (Node f : root.children) row.set(f.name, field(f));
            out.add(row);
        }
        return out;
    }

    private Node node(List<Object> schema, int[] at, Node parent) {
        Struct e = (Struct) schema.get(at[0]++);
        String name = e.str(4);
        int repetition = (int) e.i(3, REQUIRED);
        boolean list = e.i(6, -1) == 3 || (e.has(10) && e.struct(10).has(3));
        Node n;
        if (e.has(1) && !e.has(5)) {
            n = new Node(name, repetition, (int) e.i(1), list, leaves.size());
            leaves.add(n);
        } else {
            n = new Node(name, repetition, -1, list, -1);
        }
        n.parent = parent;
        n.def = parent.def + (repetition != REQUIRED ? 1 : 0);
        n.rep = parent.rep + (repetition == REPEATED ? 1 : 0);
        if (!n.isLeaf()) {
            int k = (int) e.i(5);
            for (int i = 0; i < k; i++) n.children.add(node(schema, at, n));
        }
        return n;
    }

    // ---- assembling rows from levels -------------------------------------------------------------------------------

    private JsonNode field(Node f) {
        int maxRep = 0;
        for (Node l : leavesUnder(f)) maxRep = Math.max(maxRep, l.rep);
        if (maxRep == 0) return build(f);
        if (maxRep > 1) throw new IllegalArgumentException(file + ": column '" + f.name + "' nests lists in lists, which rlhf4j does not read");
        Node r = f.repetition == REPEATED ? f : f.children.size() == 1 && f.children.get(0).repetition == REPEATED ? f.children.get(0) : null;
        if (r == null) throw new IllegalArgumentException(file + ": column '" + f.name + "' has a list inside a group, which rlhf4j does not read");
        Node e = r != f && !r.isLeaf() && r.children.size() == 1 && !r.name.equals("array") && !r.name.endsWith("_tuple")
                ? r.children.get(0) : r;
        int first = leavesUnder(f).get(0).leaf;
        int d = defs.get(first)[cur[first]];
        if (d < r.def) {
            for (Node l : leavesUnder(f)) cur[l.leaf]++;
            return d < f.def ? F.nullNode() : F.arrayNode();
        }
        ArrayNode a = F.arrayNode();
        do {
            a.add(build(e));
        } while (cur[first] < reps.get(first).length && reps.get(first)[cur[first]] == 1);
        return a;
    }

    /** A node with no repetition below it, from each of its leaves' next level. */
    private JsonNode build(Node n) {
        if (n.isLeaf()) {
            int d = defs.get(n.leaf)[cur[n.leaf]++];
            return d == n.def ? values.get(n.leaf).get(valueCur[n.leaf]++) : F.nullNode();
        }
        List<Node> under = leavesUnder(n);
        if (under.isEmpty()) return F.objectNode();
        int d = defs.get(under.get(0).leaf)[cur[under.get(0).leaf]];
        if (d < n.def) {
            for (Node l : under) cur[l.leaf]++;
            return F.nullNode();
        }
        ObjectNode o = F.objectNode();
        for (Node c : n.children) o.set(c.name, build(c));
        return o;
    }

    private static List<Node> leavesUnder(Node n) {
        List<Node> out = new ArrayList<>();
        if (n.isLeaf()) out.add(n);
        else for (Node c : n.children) out.addAll(leavesUnder(c));
        return out;
    }

    // ---- pages -----------------------------------------------------------------------------------------------------

    private void readChunk(Node leaf, Struct md) {
        int codec = (int) md.i(4);
        long remaining = md.i(5);
        long dataOffset = md.i(9), dictOffset = md.i(11, -1);
        int pos = (int) (dictOffset > 0 && dictOffset < dataOffset ? dictOffset : dataOffset);
        List<JsonNode> dict = null;
        List<int[]> repParts = new ArrayList<>(), defParts = new ArrayList<>();
        List<JsonNode> vals = values.get(leaf.leaf);
        while (remaining > 0) {
            ThriftCompact t = new ThriftCompact(bytes, pos);
            Struct ph = t.readStruct();
            pos = t.position();
            int type = (int) ph.i(1), usize = (int) ph.i(2), csize = (int) ph.i(3);
            int start = pos;
            pos += csize;
            switch (type) {
                case 2 -> {
                    byte[] data = decompress(codec, start, csize, usize, leaf);
                    Struct dh = ph.struct(7);
                    int enc = (int) dh.i(2, 0);
                    if (enc != 0 && enc != 2) throw unsupported(leaf, "dictionary encoding " + enc);
                    dict = plain(leaf, data, 0, (int) dh.i(1));
                }
                case 0 -> {
                    Struct dh = ph.struct(5);
                    int nv = (int) dh.i(1);
                    byte[] data = decompress(codec, start, csize, usize, leaf);
                    int off = 0;
                    int[] r = new int[nv], d = new int[nv];
                    if (leaf.rep > 0) {
                        int len = le32(data, off);
                        r = rle(data, off + 4, bitWidth(leaf.rep), nv);
                        off += 4 + len;
                    }
                    if (leaf.def > 0) {
                        int len = le32(data, off);
                        d = rle(data, off + 4, bitWidth(leaf.def), nv);
                        off += 4 + len;
                    }
                    repParts.add(r);
                    defParts.add(d);
                    vals.addAll(pageValues(leaf, (int) dh.i(2), data, off, present(d, leaf.def), dict));
                    remaining -= nv;
                }
                case 3 -> {
                    Struct dh = ph.struct(8);
                    int nv = (int) dh.i(1);
                    int defLen = (int) dh.i(5), repLen = (int) dh.i(6);
                    int[] r = leaf.rep > 0 ? rle(bytes, start, bitWidth(leaf.rep), nv) : new int[nv];
                    int[] d = leaf.def > 0 ? rle(bytes, start + repLen, bitWidth(leaf.def), nv) : new int[nv];
                    int vStart = start + repLen + defLen, vLen = csize - repLen - defLen;
                    byte[] data = dh.bool(7, true) ? decompress(codec, vStart, vLen, usize - repLen - defLen, leaf)
                            : java.util.Arrays.copyOfRange(bytes, vStart, vStart + vLen);
                    repParts.add(r);
                    defParts.add(d);
                    vals.addAll(pageValues(leaf, (int) dh.i(4), data, 0, present(d, leaf.def), dict));
                    remaining -= nv;
                }
                default -> { } // index pages: nothing to read
            }
        }
        reps.set(leaf.leaf, concat(reps.get(leaf.leaf), repParts));
        defs.set(leaf.leaf, concat(defs.get(leaf.leaf), defParts));
    }

    private static int present(int[] defLevels, int maxDef) {
        int k = 0;
        for (int d : defLevels) if (d == maxDef) k++;
        return k;
    }

    private List<JsonNode> pageValues(Node leaf, int encoding, byte[] data, int off, int count, List<JsonNode> dict) {
        if (encoding == 0) return plain(leaf, data, off, count);
        if (encoding == 2 || encoding == 8) {
            if (dict == null) throw new IllegalArgumentException(file + ": column '" + leaf.path() + "' uses a dictionary it has no page for");
            int[] idx = rle(data, off + 1, data[off] & 0xff, count);
            List<JsonNode> out = new ArrayList<>(count);
            for (int i : idx) out.add(dict.get(i));
            return out;
        }
        if (encoding == 3 && leaf.type == BOOLEAN) { // RLE booleans (data pages v2): a length, then bit width 1
            List<JsonNode> out = new ArrayList<>(count);
            for (int v : rle(data, off + 4, 1, count)) out.add(F.booleanNode(v == 1));
            return out;
        }
        throw unsupported(leaf, "value encoding " + encoding);
    }

    private List<JsonNode> plain(Node leaf, byte[] b, int off, int count) {
        List<JsonNode> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            switch (leaf.type) {
                case BYTE_ARRAY -> {
                    int len = le32(b, off);
                    out.add(F.textNode(new String(b, off + 4, len, StandardCharsets.UTF_8)));
                    off += 4 + len;
                }
                case INT32 -> {
                    out.add(F.numberNode(le32(b, off)));
                    off += 4;
                }
                case INT64 -> {
                    out.add(F.numberNode(le64(b, off)));
                    off += 8;
                }
                case DOUBLE -> {
                    out.add(F.numberNode(Double.longBitsToDouble(le64(b, off))));
                    off += 8;
                }
                case FLOAT -> {
                    out.add(F.numberNode(Float.intBitsToFloat(le32(b, off))));
                    off += 4;
                }
                case BOOLEAN -> out.add(F.booleanNode(((b[off + i / 8] >>> (i % 8)) & 1) == 1));
                default -> throw unsupported(leaf, "physical type " + leaf.type);
            }
        }
        return out;
    }

    private byte[] decompress(int codec, int off, int len, int uncompressed, Node leaf) {
        return switch (codec) {
            case 0 -> java.util.Arrays.copyOfRange(bytes, off, off + len);
            case 1 -> Snappy.decompress(bytes, off, len);
            case 2 -> {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes, off, len))) {
                    yield in.readAllBytes();
                } catch (IOException e) {
                    throw new UncheckedIOException(file + ": column '" + leaf.path() + "': bad gzip page", e);
                }
            }
            default -> throw unsupported(leaf, "compression codec " + codecName(codec)
                    + " (rlhf4j reads uncompressed, Snappy and gzip; rewrite it, e.g. pyarrow.parquet.write_table(t, f, compression='snappy'))");
        };
    }

    private static String codecName(int codec) {
        String[] names = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
        return codec >= 0 && codec < names.length ? names[codec] : String.valueOf(codec);
    }

    private IllegalArgumentException unsupported(Node leaf, String what) {
        return new IllegalArgumentException(file + ": column '" + leaf.path() + "' uses " + what + ", which rlhf4j does not read");
    }

    // ---- bits ------------------------------------------------------------------------------------------------------

    /** {@code count} values of Parquet's RLE / bit-packed hybrid encoding starting at {@code off}. */
    static int[] rle(byte[] b, int off, int bitWidth, int count) {
        int[] out = new int[count];
        int n = 0, byteWidth = (bitWidth + 7) / 8;
        while (n < count) {
            long h = 0;
            for (int shift = 0; ; shift += 7) {
                int x = b[off++] & 0xff;
                h |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) break;
            }
            if ((h & 1) == 0) {
                int run = (int) (h >>> 1), v = 0;
                for (int i = 0; i < byteWidth; i++) v |= (b[off++] & 0xff) << (8 * i);
                for (int i = 0; i < run && n < count; i++) out[n++] = v;
            } else {
                int values = (int) (h >>> 1) * 8;
                long bitPos = (long) off * 8;
                for (int i = 0; i < values; i++) {
                    int v = 0;
                    for (int bit = 0; bit < bitWidth; bit++, bitPos++) {
                        v |= ((b[(int) (bitPos >>> 3)] >>> (bitPos & 7)) & 1) << bit;
                    }
                    if (n < count) out[n++] = v;
                }
                off += values * bitWidth / 8;
            }
        }
        return out;
    }

    private static int bitWidth(int maxLevel) {
        return 32 - Integer.numberOfLeadingZeros(maxLevel);
    }

    private static int le32(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
    }

    private static long le64(byte[] b, int off) {
        return (le32(b, off) & 0xffffffffL) | (long) le32(b, off + 4) << 32;
    }

    private static int[] concat(int[] head, List<int[]> parts) {
        int n = head.length;
        for (int[] p : parts) n += p.length;
        int[] out = java.util.Arrays.copyOf(head, n);
        int k = head.length;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }
}
