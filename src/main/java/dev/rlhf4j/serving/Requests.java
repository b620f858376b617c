package dev.rlhf4j.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Anomaly;
import dev.rlhf4j.data.DataException;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.data.format.PairsFormat;
import dev.rlhf4j.data.format.Transcript;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Request bodies into items to score; every refusal is a {@link BadRequest} naming the field. */
final class Requests {
    private Requests() {}

    /** The items of a {@code /get_reward} body, and the number of queries. */
    static List<ScoreItem> getReward(JsonNode root, int maxItems) {
        if (!root.isObject()) throw new BadRequest("expected a JSON object {\"query\": [texts]}, got " + type(root));
        JsonNode q = root.get("query");
        if (q == null || q.isNull()) throw new BadRequest("field 'query' is missing");
        if (!q.isArray()) throw new BadRequest("field 'query' must be an array of strings, got " + type(q));
        checkCount("query", q.size(), maxItems);
        JsonNode prompts = root.get("prompts");
        if (prompts != null && !prompts.isNull()) {
            if (!prompts.isArray()) throw new BadRequest("field 'prompts' must be an array of strings, got " + type(prompts));
            if (prompts.size() != q.size()) {
                throw new BadRequest("field 'prompts' has " + prompts.size() + " entries but 'query' has " + q.size());
            }
        } else {
            prompts = null;
        }
        List<ScoreItem> out = new ArrayList<>(q.size());
        for (int i = 0; i < q.size(); i++) {
            String query = text(q.get(i), "query[" + i + "]");
            String prompt = prompts == null ? null : text(prompts.get(i), "prompts[" + i + "]");
            out.add(fromQuery(query, prompt));
        }
        return out;
    }

    /**
     * How an encoder reads a full text (prompt and response in one string). With its prompt, when the text starts
     * with it: the prompt as context (its {@code Human:}/{@code Assistant:} turns, else one user turn) and the rest
     * as the response. Else a {@code Human:}/{@code Assistant:} transcript: the last assistant turn is the response
     * and the turns before it the context. Else the whole text is the response, with no context.
     */
    static ScoreItem fromQuery(String query, String prompt) {
        if (prompt != null && query.startsWith(prompt)) {
            return new ScoreItem(promptTurns(prompt), query.substring(prompt.length()), query);
        }
        String t = query.startsWith("Human:") || query.startsWith("Assistant:") ? "\n\n" + query : query;
        if (Transcript.hasMarkers(t)) {
            List<Turn> turns = new ArrayList<>(Transcript.parse(t));
            Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && last.role().equals(Turn.ASSISTANT)) {
                return new ScoreItem(turns.subList(0, turns.size() - 1), last.content(), query);
            }
            return new ScoreItem(turns, "", query);
        }
        return new ScoreItem(List.of(), query, query);
    }

    /** A prompt string as {@code pairs} files read it: transcript turns (an empty final Assistant: dropped), else one user turn. */
    private static List<Turn> promptTurns(String prompt) {
        if (!Transcript.hasMarkers(prompt)) return List.of(Turn.user(prompt));
        List<Turn> turns = new ArrayList<>(Transcript.parse(prompt));
        Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role().equals(Turn.ASSISTANT) && last.content().isEmpty()) turns.remove(turns.size() - 1);
        return turns;
    }

    /** What a {@code /v1/score} body asks for: single responses, or pairs (each two items, chosen then rejected). */
    record Scoring(boolean pairs, List<ScoreItem> items) {}

    /**
     * A {@code /v1/score} body: an array (or {@code {"items": [...]}}) of {@code {prompt, response}} objects, read as
     * {@code score} reads such a file (the prompt is one user turn), or of {@code {prompt, chosen, rejected}} pairs,
     * read as {@code pairs} files are (prompt transcripts and message lists allowed). All items of one kind.
     */
    static Scoring score(JsonNode root, int maxItems) {
        JsonNode list = root;
        if (root.isObject()) {
            list = root.get("items");
            if (list == null) throw new BadRequest("expected an array of {prompt, response} or {prompt, chosen, rejected} "
                    + "objects, or {\"items\": [...]}; field 'items' is missing");
        }
        if (!list.isArray()) throw new BadRequest("expected an array of items, got " + type(list));
        checkCount("items", list.size(), maxItems);
        boolean pairs = list.get(0).isObject() && list.get(0).has("chosen");
        List<ScoreItem> out = new ArrayList<>(list.size() * (pairs ? 2 : 1));
        PairsFormat format = new PairsFormat();
        for (int i = 0; i < list.size(); i++) {
            JsonNode n = list.get(i);
            String at = "items[" + i + "]";
            if (!n.isObject()) throw new BadRequest(at + " must be an object, got " + type(n));
            if (n.has("chosen") != pairs) {
                throw new BadRequest(at + " is " + (pairs ? "not a pair {prompt, chosen, rejected}" : "not a {prompt, response} object")
                        + ", as items[0] is; send one kind per request");
            }
            if (pairs) {
                for (String f : List.of("chosen", "rejected")) {
                    JsonNode v = n.get(f);
                    if (v == null || !(v.isTextual() || v.isArray())) {
                        throw new BadRequest(at + "." + f + (v == null ? " is missing" : " must be a string or a message list, got " + type(v)));
                    }
                }
                JsonNode p = n.get("prompt");
                if (p == null || !(p.isTextual() || p.isArray())) {
                    throw new BadRequest(at + ".prompt" + (p == null ? " is missing" : " must be a string or a message list, got " + type(p)));
                }
                PreferencePair pair;
                try {
                    pair = format.parse((ObjectNode) n, "request", i + 1, a -> {
                        if (a == Anomaly.NON_STRING_TEXT) throw new BadRequest(at + ": a message content is not a string");
                    });
                } catch (DataException e) {
                    throw new BadRequest(at + ": " + e.getMessage().replaceFirst("^request:\\d+: ", ""));
                }
                out.add(new ScoreItem(pair.prompt(), pair.chosen(), null));
                out.add(new ScoreItem(pair.prompt(), pair.rejected(), null));
            } else {
                // Both fields are documented and required: an item without its prompt is refused, not scored
                // as a response to nothing ("" is the way to send no prompt).
                String prompt = text(n.get("prompt"), at + ".prompt");
                String response = text(n.get("response"), at + ".response");
                out.add(new ScoreItem(List.of(Turn.user(prompt)), response, null));
            }
        }
        return new Scoring(pairs, out);
    }

    private static void checkCount(String field, int n, int max) {
        if (n == 0) throw new BadRequest("field '" + field + "' is empty: nothing to score");
        if (n > max) throw new BadRequest(413, "field '" + field + "' has " + n + " entries; at most " + max + " per request (--max-items)");
    }

    private static String text(JsonNode n, String at) {
        if (n == null || n.isNull()) throw new BadRequest(at + " is " + (n == null ? "missing" : "null") + "; expected a string");
        if (!n.isTextual()) throw new BadRequest(at + " must be a string, got " + type(n));
        return n.textValue();
    }

    static String type(JsonNode n) {
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
