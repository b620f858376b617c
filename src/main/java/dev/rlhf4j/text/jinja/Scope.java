package dev.rlhf4j.text.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables visible at one point of a template. A for-loop iteration, a macro call and the other blocks
 * jinja2 gives their own frame get a child scope: assignments there do not reach the outer scope.
 */
final class Scope {
    private static final Object MISSING = new Object();

    private final Map<String, Object> vars = new HashMap<>();
    private final Scope parent;

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) return v;
        }
        return Undefined.name(name);
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
