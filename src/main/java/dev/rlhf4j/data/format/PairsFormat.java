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
import java.util.Set;
import java.util.function.Consumer;

/**
 * Explicit-prompt pairs: {@code {"prompt", "chosen", "rejected"}} plus any other fields ({@code id},
 * {@code margin}, {@code tree}, ...), which stay in {@link PreferencePair#record()}.
 *
 * <ul>
 *   <li>{@code prompt} a string: one user turn; or, when it holds {@code \n\nHuman:} /
 *       {@code \n\nAssistant:} markers (as oasst's do), the turns of that transcript, a trailing
 *       empty {@code Assistant:} dropped.
 *   <li>{@code prompt} a list of {@code {role, content}} messages (role {@code user},
 *       {@code assistant} or {@code system}): those turns.
 *   <li>{@code chosen}/{@code rejected} a string: the response; or a message list whose last message
 *       (role {@code assistant}) is the response and whose earlier messages are context appended to
 *       the prompt. Chosen and rejected context must be the same.
 * </ul>
 */
public final class PairsFormat implements PreferenceFormat {
    private static final Set<String> ROLES = Set.of(Turn.USER, Turn.ASSISTANT, Turn.SYSTEM);

    @Override
    public String name() {
        return "pairs";
    }

    /** Any record with a {@code prompt} field. */
    @Override
    public boolean detects(JsonNode first) {
        return first.has("prompt");
    }

    @Override
    public PreferencePair parse(ObjectNode record, String file, int line, Consumer<Anomaly> anomalies) {
        JsonNode promptNode = Fields.required(record, "prompt", file, line);
        JsonNode chosenNode = Fields.required(record, "chosen", file, line);
        JsonNode rejectedNode = Fields.required(record, "rejected", file, line);

        List<Turn> prompt = new ArrayList<>();
        if (promptNode.isArray()) {
            prompt.addAll(messages(promptNode, "prompt", file, line, anomalies));
        } else {
            String text = Fields.text(promptNode, "prompt", file, line, anomalies);
            if (Transcript.hasMarkers(text)) {
                prompt.addAll(Transcript.parse(text));
                Turn last = prompt.isEmpty() ? null : prompt.get(prompt.size() - 1);
                if (last != null && last.role().equals(Turn.ASSISTANT) && last.content().isEmpty()) {
                    prompt.remove(prompt.size() - 1);
                }
            } else {
                prompt.add(Turn.user(text));
            }
        }

        Response chosen = response(chosenNode, "chosen", file, line, anomalies);
        Response rejected = response(rejectedNode, "rejected", file, line, anomalies);
        if (!chosen.context().equals(rejected.context())) {
            throw new DataException(file, line, "'chosen' and 'rejected' have different messages before"
                    + " their last one (" + chosen.context().size() + " vs " + rejected.context().size()
                    + " context messages); the context they share must be the same");
        }
        prompt.addAll(chosen.context());
        return new PreferencePair(PreferenceFormat.recordId(record, file, line), prompt,
                chosen.text(), rejected.text(), record, file, line);
    }

    private record Response(List<Turn> context, String text) {}

    private static Response response(JsonNode n, String field, String file, int line, Consumer<Anomaly> anomalies) {
        if (!n.isArray()) {
            return new Response(List.of(), Fields.text(n, field, file, line, anomalies));
        }
        List<Turn> turns = messages(n, field, file, line, anomalies);
        if (turns.isEmpty()) {
            throw new DataException(file, line, "field '" + field + "' is an empty message list");
        }
        Turn last = turns.get(turns.size() - 1);
        if (!last.role().equals(Turn.ASSISTANT)) {
            throw new DataException(file, line, "field '" + field + "': the last message has role '"
                    + last.role() + "', expected 'assistant'");
        }
        return new Response(turns.subList(0, turns.size() - 1), last.content());
    }

    private static List<Turn> messages(JsonNode list, String field, String file, int line, Consumer<Anomaly> anomalies) {
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            String path = field + "[" + i + "]";
            if (!m.isObject()) {
                throw new DataException(file, line, "field '" + path + "' must be a {role, content} object, got "
                        + Fields.type(m));
            }
            JsonNode roleNode = m.get("role");
            if (roleNode == null || !roleNode.isTextual()) {
                throw new DataException(file, line, "field '" + path + ".role' "
                        + (roleNode == null ? "is missing" : "must be a string, got " + Fields.type(roleNode)));
            }
            String role = roleNode.textValue();
            if (!ROLES.contains(role)) {
                throw new DataException(file, line, "field '" + path + ".role' is '" + role
                        + "', expected user, assistant or system");
            }
            turns.add(new Turn(role, Fields.text(m.get("content"), path + ".content", file, line, anomalies)));
        }
        return turns;
    }
}
