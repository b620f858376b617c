package dev.rlhf4j.text.jinja;

import java.util.List;
import java.util.Map;

/** Binds a call's positional and keyword arguments to a Python-style signature. */
final class Args {
    private Args() {}

    /** The argument at position {@code i} or named {@code name}, else {@code dflt}. */
    static Object get(List<Object> args, Map<String, Object> kwargs, int i, String name, Object dflt) {
        if (i < args.size()) return args.get(i);
        if (kwargs.containsKey(name)) return kwargs.get(name);
        return dflt;
    }

    static Object required(List<Object> args, Map<String, Object> kwargs, int i, String name, String function) {
        if (i < args.size()) return args.get(i);
        if (kwargs.containsKey(name)) return kwargs.get(name);
        throw Py.error(function + "() missing required argument '" + name + "'");
    }
}
