package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code eval-rm --benchmark} end to end with the hf-tiny Llama reward model on the fixture files: the figures in its JSON
 * against the same formulas applied to the rewards {@code rlhf4j score} gives each response on its own.
 */
class RewardBenchCliTest {
    static final Path RM = SharedFiles.get("models/hf-tiny/llama-rm");

    static Path fixture(String name) throws Exception {
        return Path.of(RewardBenchCliTest.class.getResource("/rewardbench/" + name).toURI());
    }

    /** {@code score}'s reward for each {prompt, response} (the prompt as one user turn). */
    static List<Double> scoreCommand(Path dir, List<String[]> promptResponse) throws Exception {
        List<ObjectNode> recs = new ArrayList<>();
        for (String[] pr : promptResponse) recs.add(JsonNodeFactory.instance.objectNode().put("prompt", pr[0]).put("response", pr[1]));
        Path in = dir.resolve("singles.jsonl"), out = dir.resolve("scored.jsonl");
        Jsonl.write(in, recs);
        CliTest.Run r = CliTest.run("score", "--model", RM.toString(), "--data", in.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<Double> rewards = new ArrayList<>();
        for (String l : Files.readAllLines(out)) if (!l.isBlank()) rewards.add(Json.MAPPER.readTree(l).path("reward").asDouble());
        return rewards;
    }

    static List<JsonNode> rows(Path f) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(Json.MAPPER.readTree(l));
        return out;
    }

    @Test
    void rewardBenchV1FiguresMatchTheFormulasOnScoredRewards(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("rb.json");
        CliTest.Run r = CliTest.run("eval-rm", "--model", RM.toString(), "--benchmark", "rewardbench",
                "--data", fixture("v1/filtered.jsonl").toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("RewardBench (v1)").contains("Chat Hard").contains("average");
        JsonNode got = Json.MAPPER.readTree(out.toFile());

        List<JsonNode> rows = rows(fixture("v1/filtered.jsonl"));
        List<String[]> texts = new ArrayList<>();
        for (JsonNode x : rows) texts.add(new String[] {x.get("prompt").asText(), x.get("chosen").asText()});
        for (JsonNode x : rows) texts.add(new String[] {x.get("prompt").asText(), x.get("rejected").asText()});
        List<Double> s = scoreCommand(dir, texts);
        Map<String, int[]> counts = new TreeMap<>();
        for (int i = 0; i < rows.size(); i++) {
            int[] c = counts.computeIfAbsent(rows.get(i).get("subset").asText(), k -> new int[2]);
            if (s.get(i) > s.get(rows.size() + i)) c[0]++;
            c[1]++;
        }
        for (var e : counts.entrySet()) {
            assertThat(got.path(e.getKey()).asDouble()).as(e.getKey()).isCloseTo((double) e.getValue()[0] / e.getValue()[1], within(1e-12));
        }
        double chat = (acc(counts, "alpacaeval-easy") * 100 + acc(counts, "mt-bench-med") * 40) / 140;
        double reasoning = (acc(counts, "math-prm") * 984 + acc(counts, "hep-python") * 164 + acc(counts, "hep-go") * 164) / 1312;
        assertThat(got.path("leaderboard").path("Chat").asDouble()).isCloseTo(chat, within(1e-12));
        assertThat(got.path("leaderboard").path("Reasoning").asDouble()).isCloseTo(reasoning, within(1e-12));
        assertThat(got.path("model_type").asText()).isEqualTo("Seq. Classifier");
        assertThat(got.path("provenance").path("command").asText()).isEqualTo("eval-rm");
    }

    static double acc(Map<String, int[]> c, String s) {
        return (double) c.get(s)[0] / c.get(s)[1];
    }

    @Test
    void rewardBench2FiguresMatchTheFormulasOnScoredRewards(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("rb2.json");
        CliTest.Run r = CliTest.run("eval-rm", "--model", RM.toString(), "--benchmark", "rewardbench2",
                "--data", fixture("v2/test.jsonl").toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("RewardBench 2").contains("leaderboard (mean of 6)");
        JsonNode got = Json.MAPPER.readTree(out.toFile());

        List<JsonNode> rows = rows(fixture("v2/test.jsonl")).stream().filter(x -> !x.get("subset").asText().equals("Ties")).toList();
        List<String[]> texts = new ArrayList<>();
        for (JsonNode x : rows) {
            for (JsonNode c : x.get("chosen")) texts.add(new String[] {x.get("prompt").asText(), c.asText()});
            for (JsonNode c : x.get("rejected")) texts.add(new String[] {x.get("prompt").asText(), c.asText()});
        }
        List<Double> s = scoreCommand(dir, texts);
        Map<String, double[]> sums = new TreeMap<>();
        int k = 0;
        for (JsonNode x : rows) {
            int n = x.get("total_completions").asInt();
            List<Double> mine = s.subList(k, k + n);
            k += n;
            double max = mine.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            long atMax = mine.stream().filter(v -> v == max).count();
            double[] a = sums.computeIfAbsent(x.get("subset").asText(), q -> new double[2]);
            a[0] += mine.get(0) == max ? 1.0 / atMax : 0;
            a[1]++;
        }
        for (var e : sums.entrySet()) {
            assertThat(got.path(e.getKey()).asDouble()).as(e.getKey()).isCloseTo(e.getValue()[0] / e.getValue()[1], within(1e-12));
        }
        assertThat(got.path("Ties").isNumber()).isTrue();
        double mean = 0;
        for (String sub : List.of("Factuality", "Precise IF", "Math", "Safety", "Focus", "Ties")) mean += got.path(sub).asDouble() / 6;
        assertThat(got.path("leaderboard").path("score").asDouble()).isCloseTo(mean, within(1e-12));
    }
}
