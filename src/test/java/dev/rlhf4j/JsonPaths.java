package dev.rlhf4j;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Set;
import java.util.TreeSet;

/** Every field path of a JSON tree ({@code a.b}, arrays' elements as {@code []}): tests compare a writer's shape with a fixture's. */
public final class JsonPaths {
    private JsonPaths() {}

    public static Set<String> of(JsonNode n) {
        return of(n, "");
    }

    private static Set<String> of(JsonNode n, String at) {
        Set<String> out = new TreeSet<>();
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                out.add(at + e.getKey());
                out.addAll(of(e.getValue(), at + e.getKey() + "."));
            });
        } else if (n.isArray()) {
            for (JsonNode x : n) out.addAll(of(x, at + "[]."));
        }
        return out;
    }
}
