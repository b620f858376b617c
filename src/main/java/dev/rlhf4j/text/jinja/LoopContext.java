package dev.rlhf4j.text.jinja;

import java.util.List;

/** The {@code loop} variable of a for loop: position, neighbours, {@code cycle}, {@code changed}, recursion. */
final class LoopContext {
    private final List<Object> items;
    private final int depth0;
    private final PyCallable recurse;
    int index0;
    private Object lastChanged = Undefined.because("no previous value");
    private boolean changedCalled;

    LoopContext(List<Object> items, int depth0, PyCallable recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    PyCallable recurse() {
        return recurse;
    }

    private static final java.util.Set<String> NAMES = java.util.Set.of("index", "index0", "revindex", "revindex0", "first",
            "last", "length", "depth", "depth0", "previtem", "nextitem", "cycle", "changed");

    boolean hasAttribute(String name) {
        return NAMES.contains(name);
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.because("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : Undefined.because("there is no next item");
            case "cycle" -> (PyCallable) (args, kw) -> {
                if (args.isEmpty()) throw Py.error("no items for cycling given");
                return args.get(index0 % args.size());
            };
            case "changed" -> (PyCallable) (args, kw) -> {
                Object value = new PyTuple(List.copyOf(args.stream().map(a -> a == null ? (Object) "\0none" : a).toList()));
                if (changedCalled && Py.eq(value, lastChanged)) return false;
                changedCalled = true;
                lastChanged = value;
                return true;
            };
            default -> null;
        };
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
