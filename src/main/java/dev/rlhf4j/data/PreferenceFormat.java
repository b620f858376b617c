package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.function.Consumer;

/**
 * A file format of preference data: how to recognise its records and how to turn one record into a
 * {@link PreferencePair}. Implementations live in {@link dev.rlhf4j.data.format}.
 */
public interface PreferenceFormat {

    /** The name used on the command line and in reports: {@code hh}, {@code pairs}, {@code moss}. */
    String name();

    /** Whether the first record of a file looks like this format (for {@code --format auto}). */
    boolean detects(JsonNode firstRecord);

    /**
     * Parses one record.
     *
     * @param record    the JSON object as read; it becomes {@link PreferencePair#record()}
     * @param file      the file's name, for ids and messages
     * @param line      1-based line (JSONL) or element index (JSON array)
     * @param anomalies told of each {@link Anomaly} the record has (the record is still returned)
     * @throws DataException naming {@code file:line} and the problem when the record is invalid
     */
    PreferencePair parse(ObjectNode record, String file, int line, Consumer<Anomaly> anomalies);

    /** {@link #parse(ObjectNode, String, int, Consumer)}, ignoring anomalies. */
    default PreferencePair parse(ObjectNode record, String file, int line) {
        return parse(record, file, line, a -> { });
    }

    /**
     * The id of a record: its {@code id} field (a string or a number), else {@code file:line}.
     *
     * @throws DataException when {@code id} is present with another type
     */
    static String recordId(ObjectNode record, String file, int line) {
        JsonNode id = record.get("id");
        if (id == null || id.isNull()) {
            return file + ":" + line;
        }
        if (id.isTextual() || id.isNumber()) {
            return id.asText();
        }
        throw new DataException(file, line, "field 'id' must be a string or a number, got "
                + id.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
}
