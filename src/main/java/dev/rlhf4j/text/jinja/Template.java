package dev.rlhf4j.text.jinja;

import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
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
        Scope globals = new Scope(null);
        installGlobals(globals);
        Scope top = new Scope(globals);
        variables.forEach(top::set);
        return new Interpreter().render(body, top);
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
            return out;
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
