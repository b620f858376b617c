package dev.rlhf4j.data.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Anomaly;
import dev.rlhf4j.data.DataException;
import dev.rlhf4j.data.PreferenceFormat;
import dev.rlhf4j.data.PreferencePair;

import java.util.function.Consumer;

/**
 * Anthropic HH-RLHF: {@code {"chosen": transcript, "rejected": transcript}}, each a whole dialogue
 * {@code \n\nHuman: …\n\nAssistant: …}.
 *
 * <p>Prompt = the chosen transcript through its last {@code \n\nAssistant:}, parsed into turns;
 * response = the rest of each transcript without its leading space. When the rejected transcript
 * does not share that prefix (5 of 2,312 pairs in harmless-base test), each keeps its own last
 * assistant turn as response, the chosen's context is the prompt, and the record is reported as
 * {@link Anomaly#PREFIX_MISMATCH}.
 */
public final class HhFormat implements PreferenceFormat {

    @Override
    public String name() {
        return "hh";
    }

    /** A string {@code chosen} holding {@code \n\nHuman:}, and no {@code prompt}. */
    @Override
    public boolean detects(JsonNode first) {
        JsonNode chosen = first.get("chosen");
        return !first.has("prompt") && chosen != null && chosen.isTextual()
                && chosen.textValue().contains(Transcript.HUMAN);
    }

    @Override
    public PreferencePair parse(ObjectNode record, String file, int line, Consumer<Anomaly> anomalies) {
        String chosen = Fields.text(Fields.required(record, "chosen", file, line), "chosen", file, line, anomalies);
        String rejected = Fields.text(Fields.required(record, "rejected", file, line), "rejected", file, line, anomalies);
        int c = lastAssistant(chosen, "chosen", file, line);
        int r = lastAssistant(rejected, "rejected", file, line);
        if (!chosen.substring(0, c).equals(rejected.substring(0, r))) {
            anomalies.accept(Anomaly.PREFIX_MISMATCH);
        }
        return new PreferencePair(PreferenceFormat.recordId(record, file, line),
                Transcript.parse(chosen.substring(0, c)),
                response(chosen, c), response(rejected, r), record, file, line);
    }

    private static int lastAssistant(String transcript, String field, String file, int line) {
        int i = transcript.lastIndexOf(Transcript.ASSISTANT);
        if (i < 0) {
            throw new DataException(file, line, "field '" + field + "' has no '\\n\\nAssistant:' turn");
        }
        return i;
    }

    private static String response(String transcript, int lastAssistant) {
        String rest = transcript.substring(lastAssistant + Transcript.ASSISTANT.length());
        return rest.startsWith(" ") ? rest.substring(1) : rest;
    }
}
