package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.model.weights.HostTensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable tensors of a model under their checkpoint names. Import is strict: a missing,
 * unexpected or mis-shaped tensor is an error that lists every problem at once.
 */
public final class ModelParameters {
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    public NDArray add(String name, NDArray array) {
        if (arrays.putIfAbsent(name, array) != null) {
            throw new IllegalArgumentException("duplicate parameter " + name);
        }
        array.setName(name);
        return array;
    }

    public NDArray get(String name) {
        NDArray a = arrays.get(name);
        if (a == null) throw new IllegalArgumentException("no parameter named " + name);
        return a;
    }

    public Map<String, NDArray> asMap() {
        return Collections.unmodifiableMap(arrays);
    }

    public void addAll(ModelParameters other) {
        other.arrays.forEach(this::add);
    }

    public long count() {
        long n = 0;
        for (NDArray a : arrays.values()) n += a.size();
        return n;
    }

    /** Marks every tensor as requiring a gradient (or not). */
    public void requireGradients(boolean on) {
        for (NDArray a : arrays.values()) a.setRequiresGradient(on);
    }

    /**
     * Copies values into the parameters. {@code prefixes} lists name prefixes that the source may
     * carry and that are stripped (e.g. {@code "bert."}). Every parameter must be present with the
     * right shape; extra source tensors are an error unless their name matches {@code ignorable}.
     */
    public void load(Map<String, HostTensor> source, List<String> prefixes, java.util.function.Predicate<String> ignorable) {
        Map<String, HostTensor> byName = new LinkedHashMap<>();
        for (HostTensor t : source.values()) {
            String n = t.name();
            for (String p : prefixes) {
                if (n.startsWith(p)) {
                    n = n.substring(p.length());
                    break;
                }
            }
            byName.put(n, t);
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            HostTensor t = byName.remove(e.getKey());
            long[] want = e.getValue().getShape().getShape();
            if (t == null) {
                problems.add("missing " + e.getKey() + " " + Arrays.toString(want));
            } else if (!Arrays.equals(t.shape(), want)) {
                problems.add("shape of " + e.getKey() + ": checkpoint " + Arrays.toString(t.shape())
                        + ", model " + Arrays.toString(want));
            }
        }
        for (String extra : byName.keySet()) {
            if (!ignorable.test(extra)) problems.add("unexpected " + extra);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("weights do not match the model (" + problems.size()
                    + " problem(s)):\n  " + String.join("\n  ", problems));
        }
        // Second pass only after every check passed, so a failed load leaves the model untouched.
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            HostTensor t = findStripped(source, prefixes, e.getKey());
            dev.rlhf4j.engine.Engines.assign(e.getValue(), t.data());
        }
    }

    private static HostTensor findStripped(Map<String, HostTensor> source, List<String> prefixes, String name) {
        HostTensor t = source.get(name);
        if (t != null) return t;
        for (String p : prefixes) {
            t = source.get(p + name);
            if (t != null) return t;
        }
        for (HostTensor h : source.values()) {
            if (h.name().equals(name)) return h;
        }
        throw new IllegalStateException(name);
    }

    /** Snapshot to host memory under the parameter names. */
    public Map<String, HostTensor> toHost() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray a = e.getValue();
            out.put(e.getKey(), new HostTensor(e.getKey(), a.getShape().getShape(), a.toFloatArray()));
        }
        return out;
    }

    /** Creates a zero-initialised float32 parameter. */
    public NDArray zeros(NDManager manager, String name, long... shape) {
        return add(name, manager.zeros(new Shape(shape)));
    }
}
