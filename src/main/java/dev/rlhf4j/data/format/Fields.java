package dev.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Anomaly;
import dev.rlhf4j.data.DataException;

import java.util.Locale;
import java.util.function.Consumer;

/** Reading required fields of a record, with {@code file:line} errors. */
final class Fields {
    private Fields() {}

    /** A field that must be present and not null. */
    static JsonNode required(ObjectNode record, String field, String file, int line) {
        JsonNode n = record.get(field);
        if (n == null) {
            throw new DataException(file, line, "field '" + field + "' is missing");
        }
        if (n.isNull()) {
            throw new DataException(file, line, "field '" + field + "' is null");
        }
        return n;
    }

    /**
     * A text value at {@code path} (a field name or {@code chosen[2].content}). A boolean or number
     * is taken as its JSON text and reported as {@link Anomaly#NON_STRING_TEXT}; anything else is
     * an error.
     */
    static String text(JsonNode n, String path, String file, int line, Consumer<Anomaly> anomalies) {
        if (n == null) {
            throw new DataException(file, line, "field '" + path + "' is missing");
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        if (n.isBoolean() || n.isNumber()) {
            anomalies.accept(Anomaly.NON_STRING_TEXT);
            return n.asText();
        }
        throw new DataException(file, line, "field '" + path + "' must be a string, got " + type(n));
    }

    static String type(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
