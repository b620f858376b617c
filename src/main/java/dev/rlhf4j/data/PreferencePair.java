package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.OptionalDouble;

/**
 * A preference pair (x, y_c, y_r): the dialogue context, the chosen and the rejected response.
 *
 * <p>{@code record} is the input JSON object exactly as read, so every field a user had (ids,
 * sources, gold labels, strength statistics) is carried through to every file we write. Fields we
 * interpret ({@code margin}, {@code label_smoothing}, {@code gold_chosen}, ...) are read from it.
 *
 * @param id     the record's {@code id}, or {@code file:line} when it has none
 * @param prompt the context turns, oldest first; the responses answer the last one
 * @param file   the file it was read from (for messages)
 * @param line   1-based line (JSONL) or 1-based element index (JSON array)
 */
public record PreferencePair(
        String id, List<Turn> prompt, String chosen, String rejected, ObjectNode record,
        String file, int line) {

    public PreferencePair {
        prompt = List.copyOf(prompt);
    }

    /** A numeric field of the original record, if present and numeric. */
    public OptionalDouble number(String field) {
        JsonNode n = record.get(field);
        return n != null && n.isNumber() ? OptionalDouble.of(n.asDouble()) : OptionalDouble.empty();
    }

    /** The pair with chosen and rejected swapped, in the parsed fields and in the record. */
    public PreferencePair swapped() {
        ObjectNode r = record.deepCopy();
        JsonNode c = r.get("chosen");
        JsonNode rj = r.get("rejected");
        if (c != null && rj != null) {
            r.set("chosen", rj);
            r.set("rejected", c);
        }
        return new PreferencePair(id, prompt, rejected, chosen, r, file, line);
    }

    /** The same pair with a modified copy of its record. */
    public PreferencePair withRecord(ObjectNode newRecord) {
        return new PreferencePair(id, prompt, chosen, rejected, newRecord, file, line);
    }

    /** The text of the prompt's turns joined, used to hash the prompt for splitting. */
    public String promptText() {
        StringBuilder sb = new StringBuilder();
        for (Turn t : prompt) {
            sb.append(t.role()).append(": ").append(t.content()).append('\n');
        }
        return sb.toString();
    }
}
