package dev.rlhf4j.text.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** jinja2's {@code namespace(...)}: the one object a template may change from inside a loop. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override
    public String toString() {
        return "<Namespace " + Py.repr(attributes) + ">";
    }
}
