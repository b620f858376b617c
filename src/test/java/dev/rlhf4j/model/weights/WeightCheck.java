package dev.rlhf4j.model.weights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Strict import check (as in nanoGPT's {@code from_pretrained}): the loaded tensors must be exactly
 * the expected names with exactly the expected shapes. One error lists every problem at once. Test code: the ONNX
 * preset tests check the recovered BERT names against {@link #bertShapes} (main code checks names and shapes in
 * {@code ModelParameters.load}).
 */
public final class WeightCheck {
    private WeightCheck() {}

    /** Thrown by {@link #requireExact}; carries the three lists of problems. */
    public static final class MismatchException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final List<String> missing;
        private final List<String> unexpected;
        private final List<String> misShaped;

        MismatchException(String message, List<String> missing, List<String> unexpected, List<String> misShaped) {
            super(message);
            this.missing = missing;
            this.unexpected = unexpected;
            this.misShaped = misShaped;
        }

        /** Expected names absent from the loaded tensors. */
        public List<String> missing() {
            return missing;
        }

        /** Loaded names that were not expected. */
        public List<String> unexpected() {
            return unexpected;
        }

        /** Names present on both sides with different shapes, as {@code name: expected [..] got [..]}. */
        public List<String> misShaped() {
            return misShaped;
        }
    }

    /**
     * Throws a {@link MismatchException} listing every missing, unexpected and mis-shaped tensor
     * unless {@code loaded} has exactly the names and shapes of {@code expected}.
     */
    public static void requireExact(Map<String, long[]> expected, Map<String, HostTensor> loaded) {
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, long[]> e : new TreeMap<>(expected).entrySet()) {
            HostTensor t = loaded.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(e.getValue(), t.shape())) {
                misShaped.add(e.getKey() + ": expected " + Arrays.toString(e.getValue()) + " got "
                        + Arrays.toString(t.shape()));
            }
        }
        for (String name : new TreeMap<>(loaded).keySet()) {
            if (!expected.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("Weights do not match the expected model: ")
                .append(missing.size()).append(" missing, ")
                .append(unexpected.size()).append(" unexpected, ")
                .append(misShaped.size()).append(" mis-shaped");
        appendList(sb, "missing", missing);
        appendList(sb, "unexpected", unexpected);
        appendList(sb, "mis-shaped", misShaped);
        throw new MismatchException(sb.toString(), List.copyOf(missing), List.copyOf(unexpected),
                List.copyOf(misShaped));
    }

    private static void appendList(StringBuilder sb, String title, List<String> items) {
        if (!items.isEmpty()) {
            sb.append("\n  ").append(title).append(":");
            for (String s : items) {
                sb.append("\n    ").append(s);
            }
        }
    }

    /** The names and shapes of {@code tensors}, sorted by name. */
    public static Map<String, long[]> shapesOf(Map<String, HostTensor> tensors) {
        Map<String, long[]> out = new TreeMap<>();
        tensors.forEach((k, v) -> out.put(k, v.shape().clone()));
        return Collections.unmodifiableMap(new LinkedHashMap<>(out));
    }

    /**
     * The tensors of a Hugging Face {@code BertModel} (plain names, no {@code bert.} prefix, Linear
     * weights {@code [out, in]}), sorted by name.
     */
    public static Map<String, long[]> bertShapes(int layers, int hidden, int intermediate, int vocab,
            int maxPositions, int typeVocab, boolean pooler) {
        Map<String, long[]> m = new TreeMap<>();
        m.put("embeddings.word_embeddings.weight", new long[] {vocab, hidden});
        m.put("embeddings.position_embeddings.weight", new long[] {maxPositions, hidden});
        m.put("embeddings.token_type_embeddings.weight", new long[] {typeVocab, hidden});
        m.put("embeddings.LayerNorm.weight", new long[] {hidden});
        m.put("embeddings.LayerNorm.bias", new long[] {hidden});
        for (int i = 0; i < layers; i++) {
            String p = "encoder.layer." + i + ".";
            for (String qkv : new String[] {"query", "key", "value"}) {
                m.put(p + "attention.self." + qkv + ".weight", new long[] {hidden, hidden});
                m.put(p + "attention.self." + qkv + ".bias", new long[] {hidden});
            }
            m.put(p + "attention.output.dense.weight", new long[] {hidden, hidden});
            m.put(p + "attention.output.dense.bias", new long[] {hidden});
            m.put(p + "attention.output.LayerNorm.weight", new long[] {hidden});
            m.put(p + "attention.output.LayerNorm.bias", new long[] {hidden});
            m.put(p + "intermediate.dense.weight", new long[] {intermediate, hidden});
            m.put(p + "intermediate.dense.bias", new long[] {intermediate});
            m.put(p + "output.dense.weight", new long[] {hidden, intermediate});
            m.put(p + "output.dense.bias", new long[] {hidden});
            m.put(p + "output.LayerNorm.weight", new long[] {hidden});
            m.put(p + "output.LayerNorm.bias", new long[] {hidden});
        }
        if (pooler) {
            m.put("pooler.dense.weight", new long[] {hidden, hidden});
            m.put("pooler.dense.bias", new long[] {hidden});
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }
}
