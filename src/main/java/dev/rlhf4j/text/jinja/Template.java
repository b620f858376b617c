package dev.rlhf4j.text.jinja;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A Jinja2 template parsed once and rendered many times, with the semantics of Python's jinja2 as
 * {@code transformers} sets it up for chat templates: {@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)} with loop controls, its {@code tojson}, {@code raise_exception} and
 * {@code strftime_now}, and jinja2's globals {@code range}, {@code dict}, {@code namespace},
 * {@code cycler}, {@code joiner}. Values passed in are Java Strings, Booleans, Longs/Integers, Doubles,
 * Lists, Maps and nulls (None).
 */
public final class Template {
    /** The global functions; stateless, so one scope serves every render (templates assign into a child). */
    private static final Scope GLOBALS = new Scope(null);

    static {
        installGlobals(GLOBALS);
    }

    private final List<Stmt> body;

    private Template(List<Stmt> body) {
        this.body = body;
    }

    /** @throws TemplateException (SYNTAX) naming the line, when jinja2 would refuse to compile it */
    public static Template parse(String source) {
        return new Template(Parser.parse(source));
    }

    /**
     * @param variables the template's variables; a name absent here is undefined
     * @throws TemplateException when rendering fails or the template calls {@code raise_exception}
     */
    public String render(Map<String, ?> variables) {
        Scope top = new Scope(GLOBALS);
        variables.forEach((name, value) -> top.set(name, toPython(value)));
        return new Interpreter().render(body, top);
    }

    /** Java and Jackson values as the template sees them: ints as Long, floats as Double, JSON as lists and dicts. */
    static Object toPython(Object v) {
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) return v;
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) return ((Number) v).longValue();
        if (v instanceof Float f) return (double) f;
        if (v instanceof JsonNode node) return fromJson(node);
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = Py.dict();
            m.forEach((k, x) -> out.put(toPython(k), toPython(x)));
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object x : c) out.add(toPython(x));
            return out;
        }
        if (v instanceof CharSequence cs) return cs.toString();
        if (v instanceof Number n) return n.doubleValue();
        throw new IllegalArgumentException("a chat template cannot take a " + v.getClass().getName());
    }

    private static Object fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isIntegralNumber()) return n.asLong();
        if (n.isNumber()) return n.asDouble();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (JsonNode x : n) out.add(fromJson(x));
            return out;
        }
        Map<Object, Object> out = Py.dict();
        n.properties().forEach(e -> out.put(e.getKey(), fromJson(e.getValue())));
        return out;
    }

    private static void installGlobals(Scope g) {
        g.set("raise_exception", (PyCallable) (args, kw) -> {
            throw new TemplateException(TemplateException.Kind.RAISED, 0,
                    Py.str(Args.required(args, kw, 0, "message", "raise_exception")));
        });
        g.set("strftime_now", (PyCallable) (args, kw) ->
                strftime(Py.str(Args.required(args, kw, 0, "format", "strftime_now")), LocalDateTime.now()));
        g.set("range", (PyCallable) (args, kw) -> {
            if (args.isEmpty()) throw Py.error("range expected at least 1 argument, got 0");
            long start = 0, stop, step = 1;
            if (args.size() == 1) stop = Py.toLong(args.get(0));
            else {
                start = Py.toLong(args.get(0));
                stop = Py.toLong(args.get(1));
                if (args.size() > 2) step = Py.toLong(args.get(2));
            }
            if (step == 0) throw Py.error("range() arg 3 must not be zero");
            List<Object> out = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) out.add(i);
            return PyView.range(start, stop, step, out);
        });
        g.set("dict", (PyCallable) (args, kw) -> {
            Map<Object, Object> d = Py.dict();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) d.putAll(m);
            d.putAll(kw);
            return d;
        });
        g.set("namespace", (PyCallable) (args, kw) -> {
            Namespace ns = new Namespace();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
            ns.attributes.putAll(kw);
            return ns;
        });
        g.set("joiner", (PyCallable) (args, kw) -> {
            String sep = Py.str(Args.get(args, kw, 0, "sep", ", "));
            boolean[] used = {false};
            return (PyCallable) (a, k) -> {
                if (!used[0]) { used[0] = true; return ""; }
                return sep;
            };
        });
        g.set("cycler", (PyCallable) (args, kw) -> {
            List<Object> items = new ArrayList<>(args);
            Namespace c = new Namespace();
            int[] pos = {0};
            c.attributes.put("next", (PyCallable) (a, k) -> items.get(pos[0]++ % items.size()));
            c.attributes.put("reset", (PyCallable) (a, k) -> { pos[0] = 0; return null; });
            return c;
        });
    }

    /** Python's strftime for the directives templates use (C locale names). */
    static String strftime(String fmt, LocalDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) { sb.append(c); continue; }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < fmt.length()) { noPad = true; d = fmt.charAt(++i); }
            String two = noPad ? "%d" : "%02d";
            switch (d) {
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'm' -> sb.append(String.format(two, t.getMonthValue()));
                case 'd' -> sb.append(String.format(two, t.getDayOfMonth()));
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'H' -> sb.append(String.format(two, t.getHour()));
                case 'I' -> sb.append(String.format(two, (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format(two, t.getMinute()));
                case 'S' -> sb.append(String.format(two, t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(String.format(noPad ? "%d" : "%03d", t.getDayOfYear()));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'F' -> sb.append(String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth()));
                case 'T' -> sb.append(String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
