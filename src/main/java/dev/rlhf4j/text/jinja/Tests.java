package dev.rlhf4j.text.jinja;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's tests ({@code x is defined}, {@code x is divisibleby(3)}, ...), with its names and aliases. */
final class Tests {
    private Tests() {}

    @FunctionalInterface
    interface Test {
        boolean test(Object value, List<Object> args, Map<String, Object> kwargs);
    }

    private static final Map<String, Test> TESTS = new HashMap<>();

    private static void def(Test t, String... names) {
        for (String n : names) TESTS.put(n, t);
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, String name, String test) {
        return Args.required(args, kw, 0, name, test);
    }

    static {
        def((v, a, k) -> !(v instanceof Undefined), "defined");
        def((v, a, k) -> v instanceof Undefined, "undefined");
        def((v, a, k) -> v == null, "none");
        def((v, a, k) -> v instanceof Boolean, "boolean");
        def((v, a, k) -> Boolean.TRUE.equals(v), "true");
        def((v, a, k) -> Boolean.FALSE.equals(v), "false");
        def((v, a, k) -> Py.isInt(v) && !(v instanceof Boolean), "integer");
        def((v, a, k) -> v instanceof Double, "float");
        def((v, a, k) -> Py.isNumber(v), "number");
        def((v, a, k) -> v instanceof String, "string");
        def((v, a, k) -> v instanceof Map, "mapping");
        def((v, a, k) -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined, "sequence");
        def((v, a, k) -> v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined
                || v instanceof PyIterator, "iterable");
        def((v, a, k) -> v instanceof PyCallable || v instanceof Interpreter.Macro, "callable");
        def((v, a, k) -> false, "escaped");
        def((v, a, k) -> {
            String s = Py.str(v);
            return s.equals(s.toLowerCase()) && s.codePoints().anyMatch(Character::isLowerCase);
        }, "lower");
        def((v, a, k) -> {
            String s = Py.str(v);
            return s.equals(s.toUpperCase()) && s.codePoints().anyMatch(Character::isUpperCase);
        }, "upper");
        def((v, a, k) -> Py.eq(Py.mod(v, 2L), 1L), "odd");
        def((v, a, k) -> Py.eq(Py.mod(v, 2L), 0L), "even");
        def((v, a, k) -> Py.eq(Py.mod(v, arg(a, k, "num", "divisibleby")), 0L), "divisibleby");
        def((v, a, k) -> Py.contains(arg(a, k, "seq", "in"), v), "in");
        def((v, a, k) -> Py.eq(v, arg(a, k, "other", "eq")), "eq", "==", "equalto");
        def((v, a, k) -> !Py.eq(v, arg(a, k, "other", "ne")), "ne", "!=");
        def((v, a, k) -> Py.compare(v, arg(a, k, "other", "gt"), ">") > 0, "gt", ">", "greaterthan");
        def((v, a, k) -> Py.compare(v, arg(a, k, "other", "ge"), ">=") >= 0, "ge", ">=");
        def((v, a, k) -> Py.compare(v, arg(a, k, "other", "lt"), "<") < 0, "lt", "<", "lessthan");
        def((v, a, k) -> Py.compare(v, arg(a, k, "other", "le"), "<=") <= 0, "le", "<=");
        def((v, a, k) -> {
            Object o = arg(a, k, "other", "sameas");
            if (v == null || o == null || v instanceof Boolean || o instanceof Boolean) return v == o;
            return v == o || (v instanceof Long && Py.eq(v, o) && o instanceof Long && Math.abs((Long) v) <= 256);
        }, "sameas");
        def((v, a, k) -> v instanceof String s && Filters.exists(s), "filter");
        def((v, a, k) -> v instanceof String s && TESTS.containsKey(s), "test");
    }

    static boolean exists(String name) {
        return TESTS.containsKey(name);
    }

    static Set<String> names() {
        return TESTS.keySet();
    }

    static boolean apply(String name, Object value, List<Object> args, Map<String, Object> kwargs) {
        Test t = TESTS.get(name);
        if (t == null) throw Py.error("No test named '" + name + "' found.");
        return t.test(value, args, kwargs);
    }
}
