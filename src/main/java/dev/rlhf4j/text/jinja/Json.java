package dev.rlhf4j.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code json.dumps} as transformers' {@code tojson} filter calls it: non-ASCII kept unless
 * {@code ensure_ascii}, Python's default separators ({@code ", "} and {@code ": "}, or {@code ","} with an
 * indent), floats as Python prints them.
 */
final class Json {
    private Json() {}

    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String indentText = null;
        if (indent instanceof String s) indentText = s;
        else if (indent != null && Py.isInt(indent)) indentText = " ".repeat((int) Math.max(0, Py.toLong(indent)));
        else if (indent != null && !(indent instanceof Undefined)) throw Py.error("indent must be an int or a str");
        String itemSep = indentText == null ? ", " : ",", keySep = ": ";
        if (separators instanceof List<?> l && l.size() == 2) {
            itemSep = Py.str(l.get(0));
            keySep = Py.str(l.get(1));
        }
        StringBuilder sb = new StringBuilder();
        write(sb, value, ensureAscii, indentText, itemSep, keySep, sortKeys, 0);
        return sb.toString();
    }

    private static void newline(StringBuilder sb, String indent, int level) {
        if (indent == null) return;
        sb.append('\n');
        for (int i = 0; i < level; i++) sb.append(indent);
    }

    private static void write(StringBuilder sb, Object v, boolean ascii, String indent, String itemSep, String keySep,
            boolean sortKeys, int level) {
        if (v == null) sb.append("null");
        else if (v instanceof Boolean b) sb.append(b ? "true" : "false");
        else if (Py.isInt(v)) sb.append(Py.toLong(v));
        else if (v instanceof Double d) sb.append(d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : PyFormat.floatRepr(d));
        else if (v instanceof String s) string(sb, s, ascii);
        else if (v instanceof PyView view) throw Py.error("Object of type " + view.typeName() + " is not JSON serializable");
        else if (v instanceof List<?> l) {
            if (l.isEmpty()) { sb.append("[]"); return; }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(itemSep);
                newline(sb, indent, level + 1);
                write(sb, l.get(i), ascii, indent, itemSep, keySep, sortKeys, level + 1);
            }
            newline(sb, indent, level);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) { sb.append("{}"); return; }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (sortKeys) entries.sort((a, b) -> Py.compare(a.getKey(), b.getKey(), "<"));
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) sb.append(itemSep);
                first = false;
                newline(sb, indent, level + 1);
                string(sb, key(e.getKey()), ascii);
                sb.append(keySep);
                write(sb, e.getValue(), ascii, indent, itemSep, keySep, sortKeys, level + 1);
            }
            newline(sb, indent, level);
            sb.append('}');
        } else {
            throw Py.error("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static String key(Object k) {
        if (k instanceof String s) return s;
        if (k == null) return "null";
        if (k instanceof Boolean b) return b ? "true" : "false";
        if (Py.isNumber(k)) return Py.str(k);
        throw Py.error("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private static void string(StringBuilder sb, String s, boolean ascii) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ascii && c > 0x7e)) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
