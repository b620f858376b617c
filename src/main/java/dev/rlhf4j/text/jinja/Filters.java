package dev.rlhf4j.text.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinja2's built-in filters as {@code transformers} configures them ({@code tojson} replaced by its own),
 * with jinja2's argument names and its quirks: {@code map}/{@code select}/{@code reverse} return one-shot
 * iterators, {@code default} replaces only undefined values unless asked, {@code title} is jinja2's (not
 * Python's), {@code first}/{@code last}/{@code min}/{@code max} of nothing are undefined.
 */
final class Filters {
    private Filters() {}

    @FunctionalInterface
    interface Filter {
        Object apply(Object value, List<Object> args, Map<String, Object> kwargs);
    }

    private static final Map<String, Filter> FILTERS = new HashMap<>();

    private static void def(Filter f, String... names) {
        for (String n : names) FILTERS.put(n, f);
    }

    private static Object arg(List<Object> a, Map<String, Object> k, int i, String name, Object dflt) {
        return Args.get(a, k, i, name, dflt);
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    static {
        def((v, a, k) -> {
            if (v instanceof Undefined || (Py.truth(arg(a, k, 1, "boolean", false)) && !Py.truth(v))) {
                return arg(a, k, 0, "default_value", "");
            }
            return v;
        }, "default", "d");
        def((v, a, k) -> Py.str(v), "string", "safe");
        def((v, a, k) -> {
            Object chars = arg(a, k, 0, "chars", null);
            return PyMethods.strip(Py.str(v), chars == null ? null : Py.str(chars), true, true);
        }, "trim");
        def((v, a, k) -> Py.str(v).toUpperCase(Locale.ROOT), "upper");
        def((v, a, k) -> Py.str(v).toLowerCase(Locale.ROOT), "lower");
        def((v, a, k) -> PyMethods.capitalize(Py.str(v)), "capitalize");
        def((v, a, k) -> title(Py.str(v)), "title");
        def((v, a, k) -> {
            Object count = arg(a, k, 2, "count", null);
            return PyMethods.replace(Py.str(v), Py.str(Args.required(a, k, 0, "old", "replace")),
                    Py.str(Args.required(a, k, 1, "new", "replace")), count == null ? -1 : Py.toLong(count));
        }, "replace");
        def((v, a, k) -> (long) Py.len(v), "length", "count");
        def((v, a, k) -> new ArrayList<>(Py.iterate(v)), "list");
        def((v, a, k) -> {
            Object attribute = arg(a, k, 1, "attribute", null);
            String sep = Py.str(arg(a, k, 0, "d", ""));
            StringBuilder sb = new StringBuilder();
            boolean first = true;
            for (Object item : Py.iterate(v)) {
                if (!first) sb.append(sep);
                first = false;
                sb.append(Py.str(attribute == null ? item : attrGet(item, attribute, null)));
            }
            return sb.toString();
        }, "join");
        def((v, a, k) -> {
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? Undefined.because("No first item, sequence was empty.") : items.get(0);
        }, "first");
        def((v, a, k) -> {
            if (v instanceof PyIterator it) throw Py.error("'" + it.kind() + "' object is not reversible");
            List<Object> items = Py.iterate(v);
            return items.isEmpty() ? Undefined.because("No last item, sequence was empty.") : items.get(items.size() - 1);
        }, "last");
        def((v, a, k) -> {
            if (v instanceof String s) return new StringBuilder(s).reverse().toString();
            if (v instanceof PyIterator) {
                List<Object> items = new ArrayList<>(Py.iterate(v));
                Collections.reverse(items);
                return items;
            }
            List<Object> items = new ArrayList<>(Py.iterate(v));
            Collections.reverse(items);
            return new PyIterator("list_reverseiterator", items);
        }, "reverse");
        def((v, a, k) -> {
            if (v instanceof Undefined) return new PyIterator("generator", new ArrayList<>());
            if (!(v instanceof Map<?, ?> m)) return PyIterator.failing(Py.error("Can only get item pairs from a mapping."));
            List<Object> out = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) out.add(PyTuple.of(e.getKey(), e.getValue()));
            return new PyIterator("generator", out);
        }, "items");
        def((v, a, k) -> {
            boolean ensureAscii = Py.truth(arg(a, k, 0, "ensure_ascii", false));
            return Json.dumps(v, ensureAscii, arg(a, k, 1, "indent", null), arg(a, k, 2, "separators", null),
                    Py.truth(arg(a, k, 3, "sort_keys", false)));
        }, "tojson");
        def(Filters::map, "map");
        def((v, a, k) -> selectOrReject(v, a, k, true, false), "select");
        def((v, a, k) -> selectOrReject(v, a, k, false, false), "reject");
        def((v, a, k) -> selectOrReject(v, a, k, true, true), "selectattr");
        def((v, a, k) -> selectOrReject(v, a, k, false, true), "rejectattr");
        def((v, a, k) -> {
            Object indent = arg(a, k, 0, "width", 4L);
            String pad = indent instanceof String s ? s : " ".repeat((int) Py.toLong(indent));
            boolean first = Py.truth(arg(a, k, 1, "first", false));
            boolean blank = Py.truth(arg(a, k, 2, "blank", false));
            String s = (String) Py.add(v, "\n");
            List<Object> lines = PyMethods.splitlines(s, false);
            StringBuilder rv = new StringBuilder();
            if (blank) {
                for (int i = 0; i < lines.size(); i++) {
                    if (i > 0) rv.append('\n').append(pad);
                    rv.append(lines.get(i));
                }
            } else {
                rv.append(lines.get(0));
                for (int i = 1; i < lines.size(); i++) {
                    String line = (String) lines.get(i);
                    rv.append('\n');
                    if (!line.isEmpty()) rv.append(pad).append(line);
                }
            }
            return first ? pad + rv : rv.toString();
        }, "indent");
        def((v, a, k) -> {
            if (v instanceof Undefined u) throw u.fail();
            Object dflt = arg(a, k, 0, "default", 0L);
            long base = Py.toLong(arg(a, k, 1, "base", 10L));
            if (v instanceof String s) {
                Long parsed = parseInt(s, (int) base);
                if (parsed != null) return parsed;
                Double d = parseFloat(s);
                return d == null || d.isNaN() || d.isInfinite() ? dflt : (long) d.doubleValue();
            }
            if (Py.isInt(v)) return Py.toLong(v);
            if (v instanceof Double d) return d.isNaN() || d.isInfinite() ? dflt : (long) d.doubleValue();
            return dflt;
        }, "int");
        def((v, a, k) -> {
            if (v instanceof Undefined u) throw u.fail();
            Object dflt = arg(a, k, 0, "default", 0.0);
            if (v instanceof String s) {
                Double d = parseFloat(s);
                return d == null ? dflt : d;
            }
            if (Py.isNumber(v)) return Py.toDouble(v);
            return dflt;
        }, "float");
        def((v, a, k) -> {
            if (v instanceof Undefined u) throw u.fail();
            if (v instanceof Double d) return Math.abs(d);
            if (Py.isInt(v)) return Math.abs(Py.toLong(v));
            throw Py.error("bad operand type for abs(): '" + Py.typeName(v) + "'");
        }, "abs");
        def((v, a, k) -> {
            long precision = Py.toLong(arg(a, k, 0, "precision", 0L));
            String method = Py.str(arg(a, k, 1, "method", "common"));
            if (!Py.isNumber(v)) throw Py.error("type " + Py.typeName(v) + " doesn't define __round__ method");
            if (method.equals("common")) {
                if (Py.isInt(v)) return Py.toLong(v);
                double d = Py.toDouble(v);
                if (d == 0 || Double.isNaN(d) || Double.isInfinite(d)) return d;
                return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
            }
            double scale = Math.pow(10, precision);
            double x = Py.toDouble(v) * scale;
            if (method.equals("ceil")) return Math.ceil(x) / scale;
            if (method.equals("floor")) return Math.floor(x) / scale;
            throw Py.error("method must be common, ceil or floor");
        }, "round");
        def((v, a, k) -> {
            Object attribute = arg(a, k, 0, "attribute", null);
            Object total = arg(a, k, 1, "start", 0L);
            for (Object item : Py.iterate(v)) total = Py.add(total, attribute == null ? item : attrGet(item, attribute, null));
            return total;
        }, "sum");
        def((v, a, k) -> minMax(v, a, k, false), "min");
        def((v, a, k) -> minMax(v, a, k, true), "max");
        def((v, a, k) -> {
            boolean reverse = Py.truth(arg(a, k, 0, "reverse", false));
            boolean caseSensitive = Py.truth(arg(a, k, 1, "case_sensitive", false));
            Object attribute = arg(a, k, 2, "attribute", null);
            List<Object> items = new ArrayList<>(Py.iterate(v));
            Comparator<Object> cmp = (x, y) -> Py.compare(sortKey(x, attribute, caseSensitive), sortKey(y, attribute, caseSensitive), "<");
            items.sort(reverse ? cmp.reversed() : cmp);
            return items;
        }, "sort");
        def((v, a, k) -> {
            boolean caseSensitive = Py.truth(arg(a, k, 0, "case_sensitive", false));
            Object attribute = arg(a, k, 1, "attribute", null);
            List<Object> out = new ArrayList<>();
            List<Object> seen = new ArrayList<>();
            for (Object item : Py.iterate(v)) {
                Object key = attribute == null ? item : attrGet(item, attribute, null);
                if (!caseSensitive && key instanceof String s) key = s.toLowerCase(Locale.ROOT);
                Object kk = key;
                if (seen.stream().noneMatch(x -> Py.eq(x, kk))) {
                    seen.add(key);
                    out.add(item);
                }
            }
            return new PyIterator("generator", out);
        }, "unique");
        def((v, a, k) -> {
            boolean caseSensitive = Py.truth(arg(a, k, 0, "case_sensitive", false));
            String by = Py.str(arg(a, k, 1, "by", "key"));
            boolean reverse = Py.truth(arg(a, k, 2, "reverse", false));
            if (!(v instanceof Map<?, ?> m)) throw Py.error("'" + Py.typeName(v) + "' object has no attribute 'items'");
            int pos = switch (by) {
                case "key" -> 0;
                case "value" -> 1;
                default -> throw Py.error("You can only sort by either \"key\" or \"value\"");
            };
            List<Object> items = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) items.add(PyTuple.of(e.getKey(), e.getValue()));
            Comparator<Object> cmp = (x, y) -> Py.compare(caseFold(((PyTuple) x).get(pos), caseSensitive),
                    caseFold(((PyTuple) y).get(pos), caseSensitive), "<");
            items.sort(reverse ? cmp.reversed() : cmp);
            return items;
        }, "dictsort");
        def((v, a, k) -> {
            long n = Py.toLong(Args.required(a, k, 0, "linecount", "batch"));
            Object fill = arg(a, k, 1, "fill_with", null);
            List<Object> out = new ArrayList<>();
            List<Object> tmp = new ArrayList<>();
            for (Object item : Py.iterate(v)) {
                if (tmp.size() == n) { out.add(tmp); tmp = new ArrayList<>(); }
                tmp.add(item);
            }
            if (!tmp.isEmpty()) {
                if (fill != null) while (tmp.size() < n) tmp.add(fill);
                out.add(tmp);
            }
            return new PyIterator("generator", out);
        }, "batch");
        def((v, a, k) -> {
            if (!a.isEmpty() && !k.isEmpty()) throw Py.error("can't handle positional and keyword arguments at the same time");
            Object values = !k.isEmpty() ? new java.util.LinkedHashMap<Object, Object>(k) : new PyTuple(a);
            return PyFormat.percent(Py.str(v), values);
        }, "format");
        def((v, a, k) -> {
            String s = Py.str(v);
            int width = (int) Py.toLong(arg(a, k, 0, "width", 80L));
            int pad = width - Py.len(s);
            if (pad <= 0) return s;
            int left = pad / 2 + (pad & width & 1);
            return " ".repeat(left) + s + " ".repeat(pad - left);
        }, "center");
        def((v, a, k) -> {
            Matcher m = WORD.matcher(Py.str(v));
            long n = 0;
            while (m.find()) n++;
            return n;
        }, "wordcount");
        def((v, a, k) -> escape(Py.str(v)), "escape", "e", "forceescape");
        def((v, a, k) -> {
            String name = Py.str(Args.required(a, k, 0, "name", "attr"));
            if (v instanceof Namespace || v instanceof LoopContext) return Py.getattr(v, name);
            Object attr = PyMethods.attribute(v, name);
            return attr != null ? attr : Undefined.member(v, name);
        }, "attr");
        def((v, a, k) -> Py.repr(v), "pprint");
        def((v, a, k) -> {
            String s = Py.str(v);
            int length = (int) Py.toLong(arg(a, k, 0, "length", 255L));
            boolean killwords = Py.truth(arg(a, k, 1, "killwords", false));
            String end = Py.str(arg(a, k, 2, "end", "..."));
            int leeway = (int) Py.toLong(arg(a, k, 3, "leeway", 5L));
            if (Py.len(s) <= length + leeway) return s;
            String head = Py.sliceString(s, new Py.Slice(null, (long) (length - Py.len(end)), null));
            if (killwords) return head + end;
            List<Object> parts = PyMethods.rsplit(head, " ", 1);
            return parts.get(0) + end;
        }, "truncate");
        for (String unsupported : List.of("filesizeformat", "groupby", "random", "slice", "striptags", "urlencode",
                "urlize", "wordwrap", "xmlattr")) {
            def((v, a, k) -> {
                throw Py.error("the '" + unsupported + "' filter is not supported by rlhf4j's chat-template renderer");
            }, unsupported);
        }
    }

    static boolean exists(String name) {
        return FILTERS.containsKey(name);
    }

    static Object apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Filter f = FILTERS.get(name);
        if (f == null) throw Py.error("No filter named '" + name + "' found.");
        return f.apply(value, args, kwargs);
    }

    // ---------------------------------------------------------------------------------------------

    /** jinja2's title filter: upper-cases the first character after "-", whitespace or an opening bracket. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> items = new ArrayList<>();
        while (m.find()) {
            items.add(s.substring(last, m.start()));
            items.add(m.group());
            last = m.end();
        }
        items.add(s.substring(last));
        for (String item : items) {
            if (item.isEmpty()) continue;
            int cp = item.codePointAt(0);
            sb.append(new String(Character.toChars(cp)).toUpperCase(Locale.ROOT))
                    .append(item.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;").replace("'", "&#39;");
    }

    /** Looks up "a.b.0" on an item as jinja2's make_attrgetter does (getitem per part, digits as ints). */
    static Object attrGet(Object item, Object attribute, Object dflt) {
        List<Object> parts = new ArrayList<>();
        if (attribute instanceof String s) {
            for (String p : s.split("\\.", -1)) parts.add(!p.isEmpty() && p.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(p) : p);
        } else {
            parts.add(attribute);
        }
        for (Object part : parts) {
            item = Py.getitem(item, part);
            if (dflt != null && item instanceof Undefined) item = dflt;
        }
        return item;
    }

    private static Object caseFold(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    private static Object sortKey(Object item, Object attribute, boolean caseSensitive) {
        if (attribute instanceof String s && s.contains(",")) {
            List<Object> keys = new ArrayList<>();
            for (String part : s.split(",")) keys.add(caseFold(attrGet(item, part, null), caseSensitive));
            return keys;
        }
        return caseFold(attribute == null ? item : attrGet(item, attribute, null), caseSensitive);
    }

    private static Object minMax(Object v, List<Object> a, Map<String, Object> k, boolean max) {
        boolean caseSensitive = Py.truth(arg(a, k, 0, "case_sensitive", false));
        Object attribute = arg(a, k, 1, "attribute", null);
        List<Object> items = Py.iterate(v);
        if (items.isEmpty()) return Undefined.because("No aggregated item, sequence was empty.");
        Object best = items.get(0);
        Object bestKey = caseFold(attribute == null ? best : attrGet(best, attribute, null), caseSensitive);
        for (Object item : items.subList(1, items.size())) {
            Object key = caseFold(attribute == null ? item : attrGet(item, attribute, null), caseSensitive);
            int c = Py.compare(key, bestKey, max ? ">" : "<");
            if (max ? c > 0 : c < 0) {
                best = item;
                bestKey = key;
            }
        }
        return best;
    }

    private static Object map(Object v, List<Object> a, Map<String, Object> k) {
        List<Object> out = new ArrayList<>();
        if (!Py.truth(v)) return new PyIterator("generator", out);
        if (a.isEmpty() && k.containsKey("attribute")) {
            Map<String, Object> rest = new HashMap<>(k);
            Object attribute = rest.remove("attribute");
            Object dflt = rest.remove("default");
            if (!rest.isEmpty()) throw Py.error("Unexpected keyword argument '" + rest.keySet().iterator().next() + "'");
            for (Object item : Py.iterate(v)) out.add(attrGet(item, attribute, dflt));
        } else {
            if (a.isEmpty()) throw Py.error("map requires a filter argument");
            String name = Py.str(a.get(0));
            List<Object> rest = a.subList(1, a.size());
            for (Object item : Py.iterate(v)) out.add(apply(name, item, rest, k));
        }
        return new PyIterator("generator", out);
    }

    private static Object selectOrReject(Object v, List<Object> a, Map<String, Object> k, boolean select, boolean attr) {
        List<Object> out = new ArrayList<>();
        if (!Py.truth(v)) return new PyIterator("generator", out);
        int off = 0;
        Object attribute = null;
        if (attr) {
            if (a.isEmpty()) throw Py.error("Missing parameter for attribute name");
            attribute = a.get(0);
            off = 1;
        }
        String test = a.size() > off ? Py.str(a.get(off)) : null;
        List<Object> rest = a.size() > off + 1 ? a.subList(off + 1, a.size()) : List.of();
        for (Object item : Py.iterate(v)) {
            Object x = attr ? attrGet(item, attribute, null) : item;
            boolean ok = test == null ? Py.truth(x) : Tests.apply(test, x, rest, k);
            if (ok == select) out.add(item);
        }
        return new PyIterator("generator", out);
    }

    /** Python's int(str, base): optional sign, spaces around, underscores between digits. */
    private static Long parseInt(String s, int base) {
        String t = s.strip().replace("_", "");
        try {
            if (base == 16 && t.toLowerCase().matches("[+-]?0x.*")) t = t.replaceFirst("(?i)0x", "");
            return Long.parseLong(t, base);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double parseFloat(String s) {
        String t = s.strip().replace("_", "").toLowerCase(Locale.ROOT);
        switch (t) {
            case "inf", "+inf", "infinity", "+infinity": return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity": return Double.NEGATIVE_INFINITY;
            case "nan", "+nan", "-nan": return Double.NaN;
            default: break;
        }
        if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) return null;
        return Double.parseDouble(t);
    }
}
