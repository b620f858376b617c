package dev.rlhf4j.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Jinjava that renders chat templates, set up like the Jinja2 environment of {@code transformers}: its
 * globals ({@code raise_exception}, {@code strftime_now}), Python's {@code str} methods on strings, and
 * filters, tests and tags where Jinjava's differ from Jinja2's or are missing. Works on templates prepared
 * by {@link Jinja2Rewriter}.
 */
final class Jinja2Runtime {
    static final String SLICE_FUNCTION = "rlhf4j_slice";
    static final Jinjava JINJAVA = newJinjava();

    private Jinja2Runtime() {
    }

    private static Jinjava newJinjava() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false) // done by Jinja2Rewriter
                .withLstripBlocks(false)
                .withElResolver(resolver)
                // Off: otherwise output that looks like a template (message content with "{{ x }}") is
                // rendered again.
                .withNestedInterpretationEnabled(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder().withIterateOverMapKeys(true).build())
                .build();
        Jinjava jinjava = new Jinjava(config);
        try {
            function(jinjava, "raise_exception", "raiseException", Object.class);
            function(jinjava, "strftime_now", "strftimeNow", String.class);
            function(jinjava, SLICE_FUNCTION, "slice", Object.class, Object.class, Object.class, Object.class);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        jinjava.getGlobalContext().registerFilter(new TrimFilter());
        jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
        jinjava.getGlobalContext().registerFilter(new IterableFilter());
        jinjava.getGlobalContext().registerFilter(new PrintFilter());
        jinjava.getGlobalContext().registerFilter(new StringFilter());
        jinjava.getGlobalContext().registerFilter(new ItemsFilter());
        jinjava.getGlobalContext().registerExpTest(new PythonTest("iterable", v -> v instanceof String
                || v instanceof Iterable<?> || v instanceof Map<?, ?> || v instanceof Object[]));
        jinjava.getGlobalContext().registerExpTest(new PythonTest("sequence", v -> v instanceof String
                || v instanceof Collection<?> || v instanceof Map<?, ?> || v instanceof Object[]));
        jinjava.getGlobalContext().registerTag(new GenerationTag());
        jinjava.getGlobalContext().registerTag(new FilterTag());
        jinjava.getGlobalContext().registerFilter(new LengthFilter("length",
                jinjava.getGlobalContext().getFilter("length")));
        jinjava.getGlobalContext().registerFilter(new LengthFilter("count",
                jinjava.getGlobalContext().getFilter("count")));
        return jinjava;
    }

    private static void function(Jinjava jinjava, String name, String method, Class<?>... parameters)
            throws NoSuchMethodException {
        java.lang.reflect.Method m = Jinja2Runtime.class.getDeclaredMethod(method, parameters);
        m.setAccessible(true); // this class is package-private; Jinjava calls it reflectively
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", name, m));
    }

    /** The message of a {@code raise_exception} among an error's causes, or null. */
    static String raisedMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TemplateRaised) return t.getMessage();
        }
        return null;
    }

    /** Thrown by {@code raise_exception}; found again in Jinjava's error list after rendering. */
    private static final class TemplateRaised extends RuntimeException {
        TemplateRaised(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code raise_exception(msg)}, the function {@code transformers} gives templates. */
    static Object raiseException(Object message) {
        throw new TemplateRaised(String.valueOf(message));
    }

    /** {@code strftime_now(fmt)}: the current local time, formatted as Python's strftime would. */
    static String strftimeNow(String format) {
        return StrftimeFormatter.format(ZonedDateTime.now(), format, Locale.US);
    }

    /** {@code seq[start:stop:step]} with Python's semantics, for the rewrite of slice subscripts. */
    static Object slice(Object seq, Object start, Object stop, Object step) {
        if (seq == null) return null;
        int s = step == null ? 1 : ((Number) step).intValue();
        if (s == 0) throw new IllegalArgumentException("slice step cannot be zero");
        List<?> items;
        int[] text = null;
        if (seq instanceof String str) {
            text = str.codePoints().toArray();
            items = null;
        } else if (seq instanceof List<?> list) {
            items = list;
        } else if (seq instanceof Collection<?> c) {
            items = new ArrayList<>(c);
        } else if (seq instanceof Object[] arr) {
            items = List.of(arr);
        } else {
            throw new IllegalArgumentException("cannot slice " + seq.getClass().getSimpleName());
        }
        int n = text != null ? text.length : items.size();
        int lower = s > 0 ? 0 : -1;
        int upper = s > 0 ? n : n - 1;
        int from = sliceBound(start, n, lower, upper, s > 0 ? lower : upper);
        int to = sliceBound(stop, n, lower, upper, s > 0 ? upper : lower);
        StringBuilder chars = new StringBuilder();
        List<Object> picked = new ArrayList<>();
        for (int i = from; s > 0 ? i < to : i > to; i += s) {
            if (text != null) chars.appendCodePoint(text[i]);
            else picked.add(items.get(i));
        }
        return text != null ? chars.toString() : picked;
    }

    private static int sliceBound(Object bound, int n, int lower, int upper, int absent) {
        if (bound == null) return absent;
        long b = ((Number) bound).longValue();
        if (b < 0) return (int) Math.max(b + n, lower);
        return (int) Math.min(b, upper);
    }

    /** Python's {@code str(v)}: {@code True}/{@code False}, containers as their repr; null gives
     * {@code none} (what to print for an undefined value differs by caller). */
    static String pyStr(Object v, String none) {
        if (v == null) return none;
        if (v instanceof CharSequence cs) return cs.toString();
        return pyRepr(v);
    }

    /** Python's {@code repr(v)} for the values a template handles. */
    static String pyRepr(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double || v instanceof Float) return pyFloat(((Number) v).doubleValue());
        if (v instanceof Number) return v.toString();
        if (v instanceof CharSequence cs) return pyStringRepr(cs.toString());
        if (v instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (out.length() > 1) out.append(", ");
                out.append(pyRepr(e.getKey())).append(": ").append(pyRepr(e.getValue()));
            }
            return out.append('}').toString();
        }
        if (v instanceof Collection<?> || v instanceof Object[]) {
            Collection<?> items = v instanceof Object[] arr ? List.of(arr) : (Collection<?>) v;
            StringBuilder out = new StringBuilder("[");
            for (Object item : items) {
                if (out.length() > 1) out.append(", ");
                out.append(pyRepr(item));
            }
            return out.append(']').toString();
        }
        return v.toString();
    }

    /** Python's float repr: shortest digits, exponent form below 1e-4 and from 1e16. */
    static String pyFloat(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        java.math.BigDecimal bd = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = bd.precision() - bd.scale() - 1;
        if (exponent >= -4 && exponent < 16) {
            String plain = bd.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = bd.unscaledValue().abs().toString();
        String mantissa = digits.length() > 1 ? digits.charAt(0) + "." + digits.substring(1) : digits;
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + String.format("%02d", Math.abs(exponent));
    }

    private static String pyStringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == quote || c == '\\') out.append('\\').append(c);
            else if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
            else out.append(c);
        }
        return out.append(quote).toString();
    }

    /** Applied by the rewrite to every {@code {{ ... }}}: prints values as Jinja2 does (Python's
     * {@code str}); null (undefined) prints nothing. */
    static final class PrintFilter implements Filter {
        static final String NAME = "rlhf4j_print";

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return pyStr(var, "");
        }
    }

    /** {@code items}: a mapping's key-value pairs, as Jinja2's. */
    private static final class ItemsFilter implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            List<Object> pairs = new ArrayList<>();
            if (var instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) pairs.add(java.util.Arrays.asList(e.getKey(), e.getValue()));
            }
            return pairs;
        }
    }

    /** A Jinja2 test whose meaning differs from Jinjava's (strings and mappings are iterable in Python). */
    private static final class PythonTest implements ExpTest {
        private final String name;
        private final java.util.function.Predicate<Object> test;

        PythonTest(String name, java.util.function.Predicate<Object> test) {
            this.name = name;
            this.test = test;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return test.test(var);
        }
    }

    /** {@code string}, as Jinja2's: Python's {@code str}. */
    private static final class StringFilter implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return pyStr(var, "");
        }
    }

    /** Python's {@code str.isspace()} for one char. */
    static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    static String strip(String s, Object chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        String set = chars == null ? null : chars.toString();
        while (left && start < end && stripped(s.charAt(start), set)) start++;
        while (right && end > start && stripped(s.charAt(end - 1), set)) end--;
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String set) {
        return set == null ? isPythonSpace(c) : set.indexOf(c) >= 0;
    }

    /** {@code trim}, as Jinja2's: Python whitespace (or the given characters) off both ends. */
    private static final class TrimFilter implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) return "";
            return strip(var.toString(), args.length > 0 ? args[0] : null, true, true);
        }
    }

    /** Applied by the rewrite to what a loop goes over: a string becomes its characters (code points). */
    static final class IterableFilter implements Filter {
        static final String NAME = "rlhf4j_iterable";

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (!(var instanceof String s)) return var;
            return s.codePoints().mapToObj(Character::toString).collect(java.util.stream.Collectors.toList());
        }
    }

    /** {@code tojson}, as {@code transformers} defines it: {@code json.dumps(x, ensure_ascii=False,
     * indent=indent, separators=separators, sort_keys=sort_keys)}. */
    private static final class ToJsonFilter implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indentArg = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
            Integer indent = indentArg == null ? null : Integer.valueOf(indentArg.toString());
            boolean sortKeys = Boolean.parseBoolean(String.valueOf(kwargs.getOrDefault("sort_keys", false)));
            StringBuilder out = new StringBuilder();
            PythonJson.write(out, var, indent, sortKeys, 0);
            return out.toString();
        }
    }

    /** {@code {% filter f %}...{% endfilter %}}: the block's output through a filter. */
    private static final class FilterTag implements Tag {
        private static final String BODY = "rlhf4j_filter_body";

        @Override
        public String getName() {
            return "filter";
        }

        @Override
        public String getEndTagName() {
            return "endfilter";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder body = new StringBuilder();
            for (Node child : tagNode.getChildren()) body.append(child.render(interpreter).getValue());
            try (var scope = interpreter.enterScope()) {
                interpreter.getContext().put(BODY, body.toString());
                return pyStr(interpreter.resolveELExpression(BODY + "|" + tagNode.getHelpers().strip(),
                        tagNode.getLineNumber()), "");
            }
        }
    }

    /** {@code length}/{@code count}: strings count code points, as Python's {@code len}. */
    private static final class LengthFilter implements Filter {
        private final String name;
        private final Filter builtin;

        LengthFilter(String name, Filter builtin) {
            this.name = name;
            this.builtin = builtin;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var instanceof String s) return (long) s.codePointCount(0, s.length());
            return builtin.filter(var, interpreter, args);
        }
    }

    /** The blocks of {@code transformers}' AssistantTracker extension; rendered as their contents. */
    private static final class GenerationTag implements Tag {
        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String getEndTagName() {
            return "endgeneration";
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder out = new StringBuilder();
            for (Node child : tagNode.getChildren()) out.append(child.render(interpreter).getValue());
            return out.toString();
        }
    }

    /** Python's {@code json.dumps} layout (default separators {@code ", "}/{@code ": "}; with an indent,
     * {@code ","} and newlines), without escaping non-ASCII. */
    static final class PythonJson {
        private PythonJson() {
        }

        static void write(StringBuilder out, Object v, Integer indent, boolean sortKeys, int depth) {
            if (v == null) {
                out.append("null");
            } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long
                    || v instanceof Short || v instanceof Byte) {
                out.append(v);
            } else if (v instanceof Number n) {
                double d = n.doubleValue();
                if (Double.isNaN(d)) out.append("NaN");
                else if (Double.isInfinite(d)) out.append(d > 0 ? "Infinity" : "-Infinity");
                else if (d == Math.rint(d) && Math.abs(d) < 1e16) out.append((long) d).append(".0");
                else out.append(n);
            } else if (v instanceof Map<?, ?> map) {
                List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
                if (sortKeys) entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
                if (entries.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : entries) {
                    if (!first) out.append(indent == null ? ", " : ",");
                    first = false;
                    newline(out, indent, depth + 1);
                    string(out, String.valueOf(e.getKey()));
                    out.append(": ");
                    write(out, e.getValue(), indent, sortKeys, depth + 1);
                }
                newline(out, indent, depth);
                out.append('}');
            } else if (v instanceof Collection<?> || v instanceof Object[]) {
                Collection<?> items = v instanceof Object[] arr ? List.of(arr) : (Collection<?>) v;
                if (items.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    if (!first) out.append(indent == null ? ", " : ",");
                    first = false;
                    newline(out, indent, depth + 1);
                    write(out, item, indent, sortKeys, depth + 1);
                }
                newline(out, indent, depth);
                out.append(']');
            } else {
                string(out, v.toString());
            }
        }

        private static void newline(StringBuilder out, Integer indent, int depth) {
            if (indent == null) return;
            out.append('\n');
            out.append(" ".repeat(indent * depth));
        }

        private static void string(StringBuilder out, String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    case '\b' -> out.append("\\b");
                    case '\f' -> out.append("\\f");
                    default -> {
                        if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                        else out.append(c);
                    }
                }
            }
            out.append('"');
        }
    }

    /**
     * Python {@code str} methods on strings ({@code content.strip()}, {@code role.upper()}, ...), tried
     * before Jinjava's bean resolver so that names Java's {@code String} shares ({@code strip},
     * {@code split}, {@code replace}) get Python's meaning.
     */
    static final class PythonStringMethods extends ELResolver {
        private static final Object UNHANDLED = new Object();

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (base instanceof Map<?, ?> map && "get".equals(method) && params != null && params.length == 2) {
                // dict.get(key, default)
                context.setPropertyResolved(true);
                return map.containsKey(params[0]) ? map.get(params[0]) : params[1];
            }
            if (!(base instanceof String s) || method == null) return null;
            Object result = call(s, method.toString(), params == null ? new Object[0] : params);
            if (result == UNHANDLED) return null;
            context.setPropertyResolved(true);
            return result;
        }

        static Object call(String s, String name, Object[] a) {
            Object a0 = a.length > 0 ? a[0] : null;
            Object a1 = a.length > 1 ? a[1] : null;
            switch (name) {
                case "strip": return strip(s, a0, true, true);
                case "lstrip": return strip(s, a0, true, false);
                case "rstrip": return strip(s, a0, false, true);
                case "upper": return s.toUpperCase(Locale.ROOT);
                case "lower": return s.toLowerCase(Locale.ROOT);
                case "title": return title(s);
                case "capitalize":
                    return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT)
                            + s.substring(1).toLowerCase(Locale.ROOT);
                case "startswith": return affix(s, a0, true);
                case "endswith": return affix(s, a0, false);
                case "split": return split(s, a0 == null ? null : a0.toString(), a1 == null ? -1 : intArg(a1), false);
                case "rsplit": return split(s, a0 == null ? null : a0.toString(), a1 == null ? -1 : intArg(a1), true);
                case "replace": return replace(s, String.valueOf(a0), String.valueOf(a1), a.length > 2 ? intArg(a[2]) : -1);
                case "find": return codePointIndex(s, s.indexOf(String.valueOf(a0)));
                case "rfind": return codePointIndex(s, s.lastIndexOf(String.valueOf(a0)));
                case "count": return count(s, String.valueOf(a0));
                case "join": return join(s, a0);
                case "removeprefix": {
                    String p = String.valueOf(a0);
                    return s.startsWith(p) ? s.substring(p.length()) : s;
                }
                case "removesuffix": {
                    String p = String.valueOf(a0);
                    return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
                }
                default: return UNHANDLED;
            }
        }

        private static long codePointIndex(String s, int utf16Index) {
            return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
        }

        private static int intArg(Object o) {
            return o instanceof Number n ? n.intValue() : Integer.parseInt(o.toString());
        }

        private static String title(String s) {
            StringBuilder out = new StringBuilder(s.length());
            boolean prevCased = false;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                out.append(prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
                prevCased = Character.isLetter(c);
            }
            return out.toString();
        }

        private static boolean affix(String s, Object arg, boolean prefix) {
            if (arg instanceof Collection<?> options) {
                for (Object o : options) if (affix(s, o, prefix)) return true;
                return false;
            }
            String p = String.valueOf(arg);
            return prefix ? s.startsWith(p) : s.endsWith(p);
        }

        private static List<String> split(String s, String sep, int maxSplit, boolean fromRight) {
            List<String> parts = new ArrayList<>();
            if (sep == null) {
                // Runs of whitespace; leading/trailing whitespace yields no empty strings.
                String rest = strip(s, null, true, true);
                if (rest.isEmpty()) return parts;
                if (fromRight) {
                    int end = rest.length();
                    while (maxSplit < 0 || parts.size() < maxSplit) {
                        int i = end - 1;
                        while (i >= 0 && !isPythonSpace(rest.charAt(i))) i--;
                        if (i < 0) break;
                        parts.add(0, rest.substring(i + 1, end));
                        while (i >= 0 && isPythonSpace(rest.charAt(i))) i--;
                        end = i + 1;
                    }
                    parts.add(0, rest.substring(0, end));
                } else {
                    int start = 0;
                    while (maxSplit < 0 || parts.size() < maxSplit) {
                        int i = start;
                        while (i < rest.length() && !isPythonSpace(rest.charAt(i))) i++;
                        if (i >= rest.length()) break;
                        parts.add(rest.substring(start, i));
                        while (i < rest.length() && isPythonSpace(rest.charAt(i))) i++;
                        start = i;
                    }
                    parts.add(rest.substring(start));
                }
                return parts;
            }
            if (sep.isEmpty()) throw new IllegalArgumentException("empty separator");
            if (fromRight) {
                int end = s.length();
                while (maxSplit < 0 || parts.size() < maxSplit) {
                    int i = s.lastIndexOf(sep, end - sep.length());
                    if (i < 0) break;
                    parts.add(0, s.substring(i + sep.length(), end));
                    end = i;
                }
                parts.add(0, s.substring(0, end));
            } else {
                int start = 0;
                while (maxSplit < 0 || parts.size() < maxSplit) {
                    int i = s.indexOf(sep, start);
                    if (i < 0) break;
                    parts.add(s.substring(start, i));
                    start = i + sep.length();
                }
                parts.add(s.substring(start));
            }
            return parts;
        }

        private static String replace(String s, String old, String with, int count) {
            if (count < 0) return s.replace(old, with);
            StringBuilder out = new StringBuilder();
            int start = 0;
            for (int n = 0; n < count; n++) {
                int i = old.isEmpty() ? (start <= s.length() ? start : -1) : s.indexOf(old, start);
                if (i < 0) break;
                out.append(s, start, i).append(with);
                if (old.isEmpty()) {
                    if (i < s.length()) out.append(s.charAt(i));
                    start = i + 1;
                } else {
                    start = i + old.length();
                }
            }
            if (start <= s.length()) out.append(s.substring(start));
            return out.toString();
        }

        private static long count(String s, String sub) {
            if (sub.isEmpty()) return s.length() + 1L;
            long n = 0;
            for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
            return n;
        }

        private static String join(String sep, Object items) {
            StringBuilder out = new StringBuilder();
            Iterable<?> it = items instanceof Iterable<?> iterable ? iterable
                    : items instanceof Object[] arr ? List.of(arr) : List.of(String.valueOf(items));
            boolean first = true;
            for (Object o : it) {
                if (!first) out.append(sep);
                first = false;
                out.append(o);
            }
            return out.toString();
        }

        /** {@code s[i]} on a string, negative {@code i} counting from the end; undefined when out of range. */
        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (!(base instanceof String s) || property == null) return null;
            long index;
            if (property instanceof Number num) {
                index = num.longValue();
            } else {
                String p = property.toString();
                if (!p.matches("-?[0-9]{1,9}")) return null;
                index = Long.parseLong(p);
            }
            context.setPropertyResolved(true);
            int length = s.codePointCount(0, s.length());
            if (index < 0) index += length;
            if (index < 0 || index >= length) return null;
            return Character.toString(s.codePointAt(s.offsetByCodePoints(0, (int) index)));
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return false;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }
}
