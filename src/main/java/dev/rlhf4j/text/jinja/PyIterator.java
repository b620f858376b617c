package dev.rlhf4j.text.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * A Python generator or iterator, as jinja2's {@code map}, {@code select}, {@code reverse}, ... return:
 * always true, without a length, and empty once iterated.
 */
final class PyIterator {
    private final String kind;
    private List<Object> remaining;
    /** An error the generator raises when first iterated (jinja2's generator filters check late). */
    private TemplateException deferred;

    static PyIterator failing(TemplateException error) {
        PyIterator it = new PyIterator("generator", new ArrayList<>());
        it.deferred = error;
        return it;
    }

    PyIterator(String kind, List<Object> items) {
        this.kind = kind;
        this.remaining = items;
    }

    /** The items not yet taken; afterwards the iterator is exhausted. */
    List<Object> drain() {
        if (deferred != null) throw deferred;
        List<Object> out = remaining;
        remaining = new ArrayList<>();
        return out;
    }

    String kind() {
        return kind;
    }

    @Override
    public String toString() {
        return "<" + kind + " object>";
    }
}
