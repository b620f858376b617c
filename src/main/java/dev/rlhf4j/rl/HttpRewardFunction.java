package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * A remote reward model of OpenRLHF's {@code /get_reward} shape: the full texts ({@code Human: prompt\n\nAssistant:
 * response}) and the prompts go out as {@code {"query": [...], "prompts": [...]}}; {@code {"rewards": [...]}} comes back.
 */
public final class HttpRewardFunction implements RewardFunction {
    private final URI uri;
    private final String apiKey;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public HttpRewardFunction(String url, String apiKey) {
        this.uri = URI.create(url);
        this.apiKey = apiKey;
    }

    /** The transcript a server parses back into prompt and response. */
    static String fullText(String prompt, String response) {
        return "Human: " + prompt + "\n\nAssistant: " + response;
    }

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ArrayNode q = body.putArray("query"), p = body.putArray("prompts");
        for (int i = 0; i < prompts.size(); i++) {
            q.add(fullText(prompts.get(i), responses.get(i)));
            p.add("Human: " + prompts.get(i) + "\n\nAssistant:");
        }
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(5))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            if (apiKey != null) req.header("Authorization", "Bearer " + apiKey);
            HttpResponse<String> r = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(uri + " answered " + r.statusCode() + ": " + abbreviate(r.body()));
            }
            JsonNode rewards = Json.MAPPER.readTree(r.body()).path("rewards");
            if (!rewards.isArray() || rewards.size() != prompts.size()) {
                throw new IllegalStateException(uri + " returned no 'rewards' array of " + prompts.size() + " numbers: " + abbreviate(r.body()));
            }
            double[] out = new double[rewards.size()];
            for (int i = 0; i < out.length; i++) out[i] = rewards.get(i).asDouble(Double.NaN);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + uri + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + uri, e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    @Override
    public String name() {
        return uri.toString();
    }
}
