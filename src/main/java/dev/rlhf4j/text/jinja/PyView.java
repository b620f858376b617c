package dev.rlhf4j.text.jinja;

import java.util.AbstractList;
import java.util.List;

/**
 * A read-only sequence that Python prints under its own name: {@code range(0, 3)}, {@code dict_items([...])},
 * {@code dict_keys([...])}, {@code dict_values([...])}. It iterates, indexes and measures as a list.
 */
final class PyView extends AbstractList<Object> {
    private final String repr;
    private final List<Object> items;

    private PyView(String repr, List<Object> items) {
        this.repr = repr;
        this.items = items;
    }

    /** A dict view: dict_items, dict_keys or dict_values. */
    static PyView dictView(String kind, List<Object> items) {
        return new PyView(kind + "(" + Py.repr(items) + ")", items);
    }

    static PyView range(long start, long stop, long step, List<Object> items) {
        return new PyView(step == 1 ? "range(" + start + ", " + stop + ")" : "range(" + start + ", " + stop + ", " + step + ")", items);
    }

    String typeName() {
        return repr.substring(0, repr.indexOf('('));
    }

    @Override
    public Object get(int index) {
        return items.get(index);
    }

    @Override
    public int size() {
        return items.size();
    }

    @Override
    public String toString() {
        return repr;
    }
}
