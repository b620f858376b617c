package dev.rlhf4j.text.jinja;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's value semantics over the Java values a template works with: {@code null} is None, Boolean,
 * Long (int), Double (float), String (str, indexed by code point), List (list), {@link PyTuple},
 * Map (dict), {@link Undefined}, {@link Namespace}, {@link PyIterator}, {@link PyCallable}.
 */
final class Py {
    private Py() {}

    static TemplateException error(String message) {
        return new TemplateException(TemplateException.Kind.RUNTIME, 0, message);
    }

    // ---------------------------------------------------------------------------------------------
    // Whitespace as Python's str.isspace / regex \s

    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0
                || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029
                || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    }

    static boolean isAllSpace(String s, int from) {
        for (int i = from; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (!isSpace(cp)) return false;
            i += Character.charCount(cp);
        }
        return true;
    }

    static String rstrip(String s) {
        int end = s.length();
        while (end > 0) {
            int cp = s.codePointBefore(end);
            if (!isSpace(cp)) break;
            end -= Character.charCount(cp);
        }
        return s.substring(0, end);
    }

    // ---------------------------------------------------------------------------------------------
    // Types

    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Boolean || o instanceof Integer;
    }

    static boolean isNumber(Object o) {
        return isInt(o) || o instanceof Double;
    }

    static long toLong(Object o) {
        if (o instanceof Boolean b) return b ? 1 : 0;
        return ((Number) o).longValue();
    }

    static double toDouble(Object o) {
        if (o instanceof Boolean b) return b ? 1 : 0;
        return ((Number) o).doubleValue();
    }

    static boolean isList(Object o) {
        return o instanceof List && !(o instanceof PyTuple) && !(o instanceof PyView);
    }

    static String typeName(Object o) {
        if (o == null) return "NoneType";
        if (o instanceof Boolean) return "bool";
        if (isInt(o)) return "int";
        if (o instanceof Double) return "float";
        if (o instanceof String) return "str";
        if (o instanceof PyTuple) return "tuple";
        if (o instanceof PyView v) return v.typeName();
        if (o instanceof List) return "list";
        if (o instanceof Map) return "dict";
        if (o instanceof Undefined) return "Undefined";
        if (o instanceof Namespace) return "Namespace";
        if (o instanceof PyIterator it) return it.kind();
        if (o instanceof LoopContext) return "LoopContext";
        if (o instanceof PyCallable) return "function";
        return o.getClass().getSimpleName();
    }

    /** As jinja2 describes an object in "... has no attribute" messages. */
    static String objectDescription(Object o) {
        if (o == null) return "None";
        return "'" + typeName(o) + " object'";
    }

    // ---------------------------------------------------------------------------------------------
    // str() and repr()

    static String str(Object o) {
        if (o instanceof String s) return s;
        if (o == null) return "None";
        if (o instanceof Boolean b) return b ? "True" : "False";
        if (o instanceof Long || o instanceof Integer) return o.toString();
        if (o instanceof Double d) return PyFormat.floatRepr(d);
        if (o instanceof Undefined) return "";
        return repr(o);
    }

    static String repr(Object o) {
        if (o instanceof String s) return reprString(s);
        if (o instanceof PyView v) return v.toString();
        if (o instanceof Undefined) return "Undefined";
        if (o instanceof PyTuple t) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < t.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(repr(t.get(i)));
            }
            return sb.append(t.size() == 1 ? ",)" : ")").toString();
        }
        if (o instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) sb.append(", ");
                sb.append(repr(l.get(i)));
            }
            return sb.append(']').toString();
        }
        if (o instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(", ");
                first = false;
                sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        if (o == null || o instanceof Boolean || o instanceof Long || o instanceof Integer || o instanceof Double) {
            return str(o);
        }
        return o.toString();
    }

    static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder(s.length() + 2).append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') sb.append('\\').appendCodePoint(cp);
            else if (cp == '\n') sb.append("\\n");
            else if (cp == '\r') sb.append("\\r");
            else if (cp == '\t') sb.append("\\t");
            else if (cp < 0x20 || cp == 0x7f) sb.append(String.format("\\x%02x", cp));
            else if (cp < 0x7f || isPrintable(cp)) sb.appendCodePoint(cp);
            else if (cp <= 0xff) sb.append(String.format("\\x%02x", cp));
            else if (cp <= 0xffff) sb.append(String.format("\\u%04x", cp));
            else sb.append(String.format("\\U%08x", cp));
        }
        return sb.append(quote).toString();
    }

    /** Python's str.isprintable for one code point: not a control, format, separator (but space) or unassigned. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Truth, length, iteration

    static boolean truth(Object o) {
        if (o == null || o instanceof Undefined) return false;
        if (o instanceof Boolean b) return b;
        if (o instanceof Long l) return l != 0;
        if (o instanceof Integer i) return i != 0;
        if (o instanceof Double d) return d != 0;
        if (o instanceof String s) return !s.isEmpty();
        if (o instanceof List<?> l) return !l.isEmpty();
        if (o instanceof Map<?, ?> m) return !m.isEmpty();
        return true;
    }

    static int len(Object o) {
        if (o instanceof String s) return s.codePointCount(0, s.length());
        if (o instanceof List<?> l) return l.size();
        if (o instanceof Map<?, ?> m) return m.size();
        if (o instanceof Undefined) return 0;
        throw error("object of type '" + typeName(o) + "' has no len()");
    }

    /** The items a for loop (or list()) takes from a value: characters, items, keys. */
    @SuppressWarnings("unchecked")
    static List<Object> iterate(Object o) {
        if (o instanceof List<?> l) return (List<Object>) l;
        if (o instanceof String s) return chars(s);
        if (o instanceof Map<?, ?> m) return new ArrayList<>(m.keySet());
        if (o instanceof PyIterator it) return it.drain();
        if (o instanceof Undefined) return List.of();
        throw error("'" + typeName(o) + "' object is not iterable");
    }

    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>(s.length());
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Equality and ordering

    static boolean eq(Object a, Object b) {
        if (a == b) return true;
        if (a == null || b == null) return false;
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return toLong(a) == toLong(b);
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof String || b instanceof String) return a.equals(b);
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || (a instanceof PyView) != (b instanceof PyView)
                    || la.size() != lb.size()) return false;
            for (int i = 0; i < la.size(); i++) if (!eq(la.get(i), lb.get(i))) return false;
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) return false;
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) return false;
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) return true;
        return false;
    }

    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return Long.compare(toLong(a), toLong(b));
            return Double.compare(toDouble(a), toDouble(b));
        }
        if (a instanceof String sa && b instanceof String sb) return compareCodePoints(sa, sb);
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) return compare(la.get(i), lb.get(i), op);
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
        throw error("'" + op + "' not supported between instances of '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (item instanceof String t) return s.contains(t);
            if (item instanceof Undefined u) throw u.fail();
            throw error("'in <string>' requires string as left operand, not " + typeName(item));
        }
        if (container instanceof Map<?, ?> m) return m.containsKey(item);
        if (container instanceof List<?> l) {
            for (Object x : l) if (eq(x, item)) return true;
            return false;
        }
        if (container instanceof PyIterator it) {
            for (Object x : it.drain()) if (eq(x, item)) return true;
            return false;
        }
        if (container instanceof Undefined) return false;
        throw error("argument of type '" + typeName(container) + "' is not iterable");
    }

    // ---------------------------------------------------------------------------------------------
    // Arithmetic

    private static void failIfUndefined(Object a, Object b) {
        if (a instanceof Undefined u) throw u.fail();
        if (b instanceof Undefined u) throw u.fail();
    }

    private static TemplateException unsupported(String op, Object a, Object b) {
        if (op.equals("+") && a instanceof String) {
            return error("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (op.equals("+") && isList(a)) {
            return error("can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
        return error("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b) + "'");
    }

    static Object add(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return exact(() -> Math.addExact(toLong(a), toLong(b)));
            return toDouble(a) + toDouble(b);
        }
        if (a instanceof String sa && b instanceof String sb) return sa + sb;
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)
                && !(a instanceof PyView) && !(b instanceof PyView)) {
            List<Object> out = new ArrayList<>(la);
            out.addAll(lb);
            return a instanceof PyTuple ? new PyTuple(out) : out;
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return exact(() -> Math.subtractExact(toLong(a), toLong(b)));
            return toDouble(a) - toDouble(b);
        }
        throw unsupported("-", a, b);
    }

    static Object mul(Object a, Object b) {
        failIfUndefined(a, b);
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) return exact(() -> Math.multiplyExact(toLong(a), toLong(b)));
            return toDouble(a) * toDouble(b);
        }
        if (isInt(a) && !isNumber(b)) return mul(b, a);
        if (a instanceof String s && isInt(b)) return s.repeat((int) Math.max(0, toLong(b)));
        if (a instanceof List<?> l && isInt(b) && !(a instanceof PyView)) {
            List<Object> out = new ArrayList<>();
            for (long i = 0; i < toLong(b); i++) out.addAll(l);
            return a instanceof PyTuple ? new PyTuple(out) : out;
        }
        throw error("can't multiply sequence by non-int of type '" + typeName(b) + "'");
    }

    static Object div(Object a, Object b) {
        failIfUndefined(a, b);
        if (!isNumber(a) || !isNumber(b)) throw unsupported("/", a, b);
        if (toDouble(b) == 0) throw error("division by zero");
        return toDouble(a) / toDouble(b);
    }

    static Object floorDiv(Object a, Object b) {
        failIfUndefined(a, b);
        if (!isNumber(a) || !isNumber(b)) throw unsupported("//", a, b);
        if (toDouble(b) == 0) throw error("integer division or modulo by zero");
        if (isInt(a) && isInt(b)) return Math.floorDiv(toLong(a), toLong(b));
        return floatFloorDiv(toDouble(a), toDouble(b));
    }

    /** Python's float floor division (via fmod, so 1 // 0.1 is 9.0). */
    private static double floatFloorDiv(double vx, double wx) {
        double mod = vx % wx;
        double div = (vx - mod) / wx;
        if (mod != 0 && (wx < 0) != (mod < 0)) div -= 1.0;
        if (div == 0) return Math.copySign(0.0, vx / wx);
        double floor = Math.floor(div);
        if (div - floor > 0.5) floor += 1.0;
        return floor;
    }

    static Object mod(Object a, Object b) {
        if (a instanceof String s) return PyFormat.percent(s, b);
        failIfUndefined(a, b);
        if (!isNumber(a) || !isNumber(b)) throw unsupported("%", a, b);
        if (toDouble(b) == 0) throw error("integer division or modulo by zero");
        if (isInt(a) && isInt(b)) return Math.floorMod(toLong(a), toLong(b));
        double x = toDouble(a), y = toDouble(b);
        double r = x % y;
        if (r != 0 && (r < 0) != (y < 0)) r += y;
        return r;
    }

    static Object pow(Object a, Object b) {
        failIfUndefined(a, b);
        if (!isNumber(a) || !isNumber(b)) throw unsupported("** or pow()", a, b);
        if (isInt(a) && isInt(b) && toLong(b) >= 0) {
            long base = toLong(a), exponent = toLong(b);
            return exact(() -> {
                long result = 1;
                for (long i = 0; i < exponent; i++) result = Math.multiplyExact(result, base);
                return result;
            });
        }
        return Math.pow(toDouble(a), toDouble(b));
    }

    /** Python's ints are unbounded; beyond 64 bits this renderer fails rather than print a wrapped number. */
    private static Long exact(java.util.function.LongSupplier op) {
        try {
            return op.getAsLong();
        } catch (ArithmeticException e) {
            throw error("integer result beyond 64 bits (not supported by rlhf4j's chat-template renderer)");
        }
    }

    static Object neg(Object a) {
        if (a instanceof Undefined u) throw u.fail();
        if (a instanceof Double d) return -d;
        if (isInt(a)) return -toLong(a);
        throw error("bad operand type for unary -: '" + typeName(a) + "'");
    }

    static Object pos(Object a) {
        if (a instanceof Undefined u) throw u.fail();
        if (a instanceof Double) return a;
        if (isInt(a)) return toLong(a);
        throw error("bad operand type for unary +: '" + typeName(a) + "'");
    }

    // ---------------------------------------------------------------------------------------------
    // Attributes and items, as jinja2's sandboxed getattr/getitem

    /** {@code obj.name}: a Python attribute (a method) first, else the item of that name. */
    static Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof Namespace || obj instanceof LoopContext) return ownAttribute(obj, name);
        Object attr = PyMethods.attribute(obj, name);
        if (attr != null) return attr;
        if (obj instanceof Map<?, ?> m && m.containsKey(name)) return m.get(name);
        return Undefined.member(obj, name);
    }

    /** {@code obj[key]}: the item first, else (for a string key) the attribute of that name. */
    static Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) throw u.fail();
        if (obj instanceof PyView v && v.typeName().startsWith("dict_")) return Undefined.member(obj, key);
        if (key instanceof Slice s) {
            // jinja2 compiles a slice to a plain Python subscript: what cannot be sliced raises.
            if (obj instanceof String str) return sliceString(str, s);
            if (obj instanceof List<?> l && !(obj instanceof PyView v && v.typeName().startsWith("dict_"))) {
                List<Object> out = slice(l, s);
                return obj instanceof PyTuple ? new PyTuple(out) : out;
            }
            if (obj instanceof Map) throw error("unhashable type: 'slice'");
            throw error("'" + typeName(obj) + "' object is not subscriptable");
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = key instanceof Integer i ? Long.valueOf(i) : key;
            if (m.containsKey(k)) return m.get(k);
        } else if ((obj instanceof List || obj instanceof String) && isInt(key)) {
            int n = len(obj);
            long i = toLong(key);
            if (i < 0) i += n;
            if (i >= 0 && i < n) {
                if (obj instanceof List<?> l) return l.get((int) i);
                String s = (String) obj;
                int at = s.offsetByCodePoints(0, (int) i);
                return new String(Character.toChars(s.codePointAt(at)));
            }
        }
        if (key instanceof String name && (obj instanceof Namespace || obj instanceof LoopContext)) return ownAttribute(obj, name);
        if (key instanceof String name) {
            Object attr = PyMethods.attribute(obj, name);
            if (attr != null) return attr;
        }
        return Undefined.member(obj, key);
    }

    /** An attribute of a namespace or loop, whose value may be None. */
    private static Object ownAttribute(Object obj, String name) {
        if (obj instanceof Namespace ns) {
            return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.member(obj, name);
        }
        LoopContext loop = (LoopContext) obj;
        return loop.hasAttribute(name) ? loop.attribute(name) : Undefined.member(obj, name);
    }

    /** A slice {@code [start:stop:step]}; null parts are omitted ones. */
    record Slice(Object start, Object stop, Object step) {}

    private static long[] indices(Slice s, int len) {
        for (Object part : new Object[] {s.start, s.stop, s.step}) {
            if (part != null && !isInt(part)) {
                if (part instanceof Undefined u) throw u.fail();
                throw error("slice indices must be integers or None or have an __index__ method");
            }
        }
        long step = s.step == null ? 1 : toLong(s.step);
        if (step == 0) throw error("slice step cannot be zero");
        long start = adjust(s.start, len, step, step < 0 ? len - 1 : 0);
        long stop = adjust(s.stop, len, step, step < 0 ? -1 : len);
        return new long[] {start, stop, step};
    }

    private static long adjust(Object v, int len, long step, long dflt) {
        if (v == null) return dflt;
        long i = toLong(v);
        if (i < 0) {
            i += len;
            if (i < 0) i = step < 0 ? -1 : 0;
        } else if (i >= len) {
            i = step < 0 ? len - 1 : len;
        }
        return i;
    }

    static List<Object> slice(List<?> l, Slice s) {
        long[] ix = indices(s, l.size());
        List<Object> out = new ArrayList<>();
        for (long i = ix[0]; ix[2] > 0 ? i < ix[1] : i > ix[1]; i += ix[2]) out.add(l.get((int) i));
        return out;
    }

    static String sliceString(String str, Slice s) {
        int[] cps = str.codePoints().toArray();
        long[] ix = indices(s, cps.length);
        StringBuilder sb = new StringBuilder();
        for (long i = ix[0]; ix[2] > 0 ? i < ix[1] : i > ix[1]; i += ix[2]) sb.appendCodePoint(cps[(int) i]);
        return sb.toString();
    }

    /** A dict for templates: insertion-ordered, as Python's. */
    static Map<Object, Object> dict() {
        return new LinkedHashMap<>();
    }

    static Iterator<Object> iterator(Object o) {
        return iterate(o).iterator();
    }
}
