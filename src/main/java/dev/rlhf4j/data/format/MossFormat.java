package dev.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Anomaly;
import dev.rlhf4j.data.DataException;
import dev.rlhf4j.data.PreferenceFormat;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * MOSS-RLHF: {@code {"chosen": [utterances], "rejected": [utterances]}} (in a JSON array or JSONL).
 * Utterances alternate human, assistant, human, ..., starting with the human, so each list has an
 * even length; all but the last are the prompt (the same in both lists), the last is the response.
 */
public final class MossFormat implements PreferenceFormat {

    @Override
    public String name() {
        return "moss";
    }

    /** {@code chosen} is a non-empty array of strings and there is no {@code prompt}. */
    @Override
    public boolean detects(JsonNode first) {
        JsonNode chosen = first.get("chosen");
        if (first.has("prompt") || chosen == null || !chosen.isArray() || chosen.isEmpty()) {
            return false;
        }
        for (JsonNode u : chosen) {
            if (!u.isTextual()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public PreferencePair parse(ObjectNode record, String file, int line, Consumer<Anomaly> anomalies) {
        List<String> chosen = utterances(record, "chosen", file, line, anomalies);
        List<String> rejected = utterances(record, "rejected", file, line, anomalies);
        List<String> context = chosen.subList(0, chosen.size() - 1);
        if (!context.equals(rejected.subList(0, rejected.size() - 1))) {
            throw new DataException(file, line,
                    "'chosen' and 'rejected' differ before their last utterance; the prompt they share must be the same");
        }
        List<Turn> prompt = new ArrayList<>();
        for (int i = 0; i < context.size(); i++) {
            prompt.add(i % 2 == 0 ? Turn.user(context.get(i)) : Turn.assistant(context.get(i)));
        }
        return new PreferencePair(PreferenceFormat.recordId(record, file, line), prompt,
                chosen.get(chosen.size() - 1), rejected.get(rejected.size() - 1), record, file, line);
    }

    private static List<String> utterances(ObjectNode record, String field, String file, int line,
                                           Consumer<Anomaly> anomalies) {
        JsonNode n = Fields.required(record, field, file, line);
        if (!n.isArray()) {
            throw new DataException(file, line, "field '" + field + "' must be an array of utterances, got "
                    + Fields.type(n));
        }
        if (n.isEmpty() || n.size() % 2 != 0) {
            throw new DataException(file, line, "field '" + field + "' has " + n.size()
                    + " utterances; expected an even number (human, assistant, ..., the assistant response)");
        }
        List<String> out = new ArrayList<>(n.size());
        for (int i = 0; i < n.size(); i++) {
            out.add(Fields.text(n.get(i), field + "[" + i + "]", file, line, anomalies));
        }
        return out;
    }
}
