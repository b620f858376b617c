package dev.rlhf4j.text.jinja;

/**
 * jinja2's default {@code Undefined}: what a missing variable, key or attribute evaluates to. It prints as
 * nothing, is false, iterates as empty and has length 0; any other use (an attribute, an item, arithmetic,
 * a call) fails with the message jinja2 gives.
 */
final class Undefined {
    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** A variable that is not defined. */
    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A key or attribute the object does not have. */
    static Undefined member(Object obj, Object key) {
        if (key instanceof String s) return new Undefined(Py.objectDescription(obj) + " has no attribute '" + s + "'");
        return new Undefined(Py.objectDescription(obj) + " has no element " + Py.repr(key));
    }

    static Undefined because(String message) {
        return new Undefined(message);
    }

    /** The error jinja2 raises when this value is used beyond printing, testing or iterating. */
    TemplateException fail() {
        return Py.error(message);
    }

    String message() {
        return message;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Undefined;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "";
    }
}
