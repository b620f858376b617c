package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JudgeTest {

    @Test
    void goldJudgeComparesGoldRewardsWithATieBand() {
        List<String> prompts = List.of("What is 3 + 4?", "What is 3 + 4?", "What is 3 + 4?");
        List<String> a = List.of("3 + 4 = 7.", "It is 8.", "7.");
        List<String> b = List.of("It is 8.", "3 + 4 = 7.", "The answer is 7.");
        List<Judge.Decision> d = new GoldJudge(0).judge(prompts, a, b);
        assertThat(d).extracting(Judge.Decision::verdict).containsExactly(Judge.Verdict.WIN, Judge.Verdict.LOSE, Judge.Verdict.TIE);
        assertThat(d.get(0).scoreA()).isEqualTo(2.0);
        // A band wider than the gap turns the win into a tie.
        assertThat(new GoldJudge(5).judge(prompts, a, b)).extracting(Judge.Decision::verdict).containsOnly(Judge.Verdict.TIE);
        assertThatThrownBy(() -> new GoldJudge(0).judge(List.of("Tell me a joke about nothing in particular."), List.of("x"), List.of("y")))
                .hasMessageContaining("cannot score prompt 1");
    }

    @Test
    void httpJudgeSpeaksOpenRlhfsGetRewardShape() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        StringBuilder seen = new StringBuilder();
        server.createContext("/get_reward", ex -> {
            JsonNode req = Json.MAPPER.readTree(ex.getRequestBody());
            seen.append(req.path("query").get(0).asText());
            ObjectNode resp = Json.MAPPER.createObjectNode();
            var arr = resp.putArray("rewards");
            for (JsonNode q : req.path("query")) arr.add(q.asText().length()); // longer text, higher reward
            byte[] out = Json.MAPPER.writeValueAsBytes(resp);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ex.getRequestHeaders().getFirst("Authorization").equals("Bearer k") ? 200 : 401, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        try (HttpJudge j = new HttpJudge("http://127.0.0.1:" + server.getAddress().getPort() + "/get_reward", "k", 0)) {
            List<Judge.Decision> d = j.judge(List.of("p", "q"), List.of("long answer", "a"), List.of("short", "aa"));
            assertThat(d).extracting(Judge.Decision::verdict).containsExactly(Judge.Verdict.WIN, Judge.Verdict.LOSE);
            assertThat(seen.toString()).startsWith("Human: p\n\nAssistant: long answer");
        }
        try (HttpJudge wrongKey = new HttpJudge("http://127.0.0.1:" + server.getAddress().getPort() + "/get_reward", "bad", 0)) {
            assertThatThrownBy(() -> wrongKey.judge(List.of("p"), List.of("a"), List.of("b"))).hasMessageContaining("answered 401");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void tallyReportsFractionsAndCounts() {
        ObjectNode o = new Judging.Tally(3, 1, 0).toJson();
        assertThat(o.path("win").asDouble()).isEqualTo(0.75);
        assertThat(o.path("tie_count").asInt()).isEqualTo(1);
        assertThat(o.path("n").asInt()).isEqualTo(4);
    }
}
