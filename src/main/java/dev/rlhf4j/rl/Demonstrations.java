package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.DataException;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads SFT demonstrations and prompt sets (JSONL, gzip allowed). A demonstration is {@code {"prompt", "response"}}
 * (a preference file also works: its {@code chosen} is the response); a prompt set needs {@code prompt} only. Every
 * other field is kept. A record without the fields stops the read with its file and line.
 */
public final class Demonstrations {
    private Demonstrations() {}

    /** One example; {@code record} is the whole JSON object as read. */
    public record Example(String id, String prompt, String response, JsonNode record) {}

    /** Demonstrations: prompt and response (or chosen) required. */
    public static List<Example> read(Path file) {
        return readAll(file, true);
    }

    /** Prompts: the {@code response} of each example is null. */
    public static List<Example> prompts(Path file) {
        return readAll(file, false);
    }

    /** The prompt texts of a prompt set, in order. */
    public static List<String> promptTexts(Path file) {
        List<String> out = new ArrayList<>();
        for (Example e : prompts(file)) out.add(e.prompt());
        return out;
    }

    private static List<Example> readAll(Path file, boolean needResponse) {
        List<Example> out = new ArrayList<>();
        try (BufferedReader r = Jsonl.openText(file)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) continue;
                JsonNode o;
                try {
                    o = Json.MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new DataException(file.toString(), n, "not valid JSON: " + e.getMessage());
                }
                if (!o.isObject()) throw new DataException(file.toString(), n, "expected a JSON object");
                JsonNode p = o.get("prompt");
                if (p == null || !p.isTextual() || p.asText().isBlank()) {
                    throw new DataException(file.toString(), n, "field 'prompt' is missing, empty or not a string");
                }
                String resp = null;
                if (needResponse) {
                    JsonNode a = o.has("response") ? o.get("response") : o.get("chosen");
                    if (a == null || !a.isTextual()) {
                        throw new DataException(file.toString(), n, "field 'response' (or 'chosen') is missing or not a string");
                    }
                    resp = a.asText();
                }
                String id = o.path("id").isValueNode() ? o.path("id").asText() : file.getFileName() + ":" + n;
                out.add(new Example(id, p.asText(), resp, o));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new DataException(file.toString(), 0, "no records");
        return out;
    }
}
