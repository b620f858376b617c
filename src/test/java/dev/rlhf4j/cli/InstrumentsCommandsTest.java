package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.report.RunReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** judge with k samples, bon and rm-on-policy from the command line, on a tiny SFT policy and a 2-step reward model. */
@Tag("slow")
class InstrumentsCommandsTest {
    @Test
    void judgeBonAndRmOnPolicyRunOnATinyPolicy(@TempDir Path tmp) throws Exception {
        Path task = tmp.resolve("task");
        CliTest.Run s = CliTest.run("synth", "--pairs", "40", "--out", task.resolve("pairs.jsonl").toString(), "--rl-out", task.toString(),
                "--rl-train-prompts", "30", "--rl-heldout-prompts", "12", "--sft-demos", "120");
        assertThat(s.code()).as(s.err()).isZero();
        Path sft = tmp.resolve("sft");
        CliTest.Run a = CliTest.run("sft", "--data", task.resolve("sft.jsonl").toString(), "--out", sft.toString(), "--layers", "1",
                "--dim", "32", "--heads", "2", "--epochs", "1", "--max-length", "64", "--max-prompt-tokens", "32");
        assertThat(a.code()).as(a.err()).isZero();
        Path rm = tmp.resolve("rm");
        CliTest.Run t = CliTest.run("train-rm", "--data", task.resolve("pairs.jsonl").toString(), "--out", rm.toString(), "--backbone",
                "tiny-random", "--max-length", "48", "--max-steps", "2");
        assertThat(t.code()).as(t.err()).isZero();
        Path heldout = task.resolve("prompts_heldout.jsonl");

        // A policy against itself with the same seeds: every pair of answers is the same text, so the difference is
        // exactly 0 with an interval of [0, 0], and every comparison is a tie.
        Path j = tmp.resolve("judge");
        CliTest.Run jr = CliTest.run("judge", "--a", sft.toString(), "--b", sft.toString(), "--prompts", heldout.toString(),
                "--max-new-tokens", "12", "--samples-per-prompt", "3", "--bootstrap", "200", "--out", j.toString());
        assertThat(jr.code()).as(jr.err()).isZero();
        JsonNode judge = Json.MAPPER.readTree(j.resolve("judge.json").toFile());
        int rows = Files.readAllLines(heldout).size();
        assertThat(judge.path("n").asInt()).isEqualTo(3 * rows);
        assertThat(judge.path("samples_per_prompt").asInt()).isEqualTo(3);
        assertThat(judge.path("identical_answers").asDouble()).isEqualTo(1.0);
        assertThat(judge.path("tie").asDouble()).isEqualTo(1.0);
        assertThat(judge.path("mean_difference").path("estimate").asDouble()).isZero();
        assertThat(judge.path("mean_difference").path("ci_low").asDouble()).isZero();
        assertThat(judge.path("mean_difference").path("ci_high").asDouble()).isZero();
        assertThat(judge.path("win_minus_lose").path("ci_high").asDouble()).isZero();
        assertThat(judge.path("bootstrap").path("unit").asText()).isEqualTo("distinct prompt");
        List<String> lines = Files.readAllLines(j.resolve("judge.jsonl"));
        assertThat(lines).hasSize(3 * rows);
        // The three samples of a prompt are different draws (the sample index changes the seed).
        Map<String, List<String>> perPrompt = new LinkedHashMap<>();
        for (String l : lines) {
            JsonNode o = Json.MAPPER.readTree(l);
            perPrompt.computeIfAbsent(o.path("prompt").asText(), k -> new ArrayList<>()).add(o.path("a").asText());
        }
        assertThat(perPrompt.values()).anyMatch(v -> v.stream().distinct().count() > 1);
        assertThat(jr.out()).contains("A − B, mean gold score per prompt: +0.0000 [+0.0000, +0.0000]").contains("identical answers 100.0%");

        // Best-of-n: N = 4 samples per prompt, the RM and the gold oracle pick.
        Path bonDir = tmp.resolve("bon");
        CliTest.Run b = CliTest.run("bon", "--policy", sft.toString(), "--reward-model", rm.toString(), "--reward-model", "gold",
                "--prompts", heldout.toString(), "--n-max", "4", "--max-new-tokens", "12", "--bootstrap", "200", "--out", bonDir.toString());
        assertThat(b.code()).as(b.err()).isZero();
        JsonNode bon = Json.MAPPER.readTree(bonDir.resolve("bon.json").toFile());
        assertThat(bon.path("n").toString()).isEqualTo("[1,2,4]");
        // Recompute from the samples file: n = 1 is the mean gold for any selector, the oracle at n = N the mean best gold.
        Map<String, List<Double>> gold = new LinkedHashMap<>();
        for (String l : Files.readAllLines(bonDir.resolve("bon_samples.jsonl"))) {
            JsonNode o = Json.MAPPER.readTree(l);
            gold.computeIfAbsent(o.path("prompt").asText(), k -> new ArrayList<>()).add(o.path("gold").asDouble());
        }
        assertThat(gold).hasSize(bon.path("prompts").asInt());
        double mean = gold.values().stream().mapToDouble(v -> v.stream().mapToDouble(x -> x).average().orElseThrow()).average().orElseThrow();
        double best = gold.values().stream().mapToDouble(v -> v.stream().mapToDouble(x -> x).max().orElseThrow()).average().orElseThrow();
        JsonNode rmCurve = bon.path("curves").get(0).path("points"), oracle = bon.path("curves").get(1).path("points");
        assertThat(rmCurve.get(0).path("gold").path("estimate").asDouble()).isCloseTo(mean, within(1e-9));
        assertThat(oracle.get(0).path("gold").path("estimate").asDouble()).isCloseTo(mean, within(1e-9));
        assertThat(oracle.get(2).path("gold").path("estimate").asDouble()).isCloseTo(best, within(1e-9));
        assertThat(oracle.get(2).path("gold_minus_first").path("estimate").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(b.out()).contains("KL_bon").contains("bon.json");

        // RM accuracy on the policy's samples: gold judged by itself is always right.
        CliTest.Run r = CliTest.run("rm-on-policy", "--policy", sft.toString(), "--reward-model", "gold", "--reward-model", rm.toString(),
                "--prompts", heldout.toString(), "--samples-per-prompt", "4", "--max-new-tokens", "12", "--bootstrap", "200",
                "--out", bonDir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode on = Json.MAPPER.readTree(bonDir.resolve("rm_on_policy.json").toFile()).path("policies").get(0);
        assertThat(on.path("pairs").asInt()).isPositive();
        assertThat(on.path("reward_models").get(0).path("accuracy").path("estimate").asDouble()).isEqualTo(1.0);
        assertThat(on.path("reward_models").get(0).path("kendall_tau").path("estimate").asDouble()).isCloseTo(1.0, within(1e-12));
        JsonNode small = on.path("reward_models").get(1);
        int banded = 0;
        for (JsonNode band : small.path("by_gold_gap")) banded += band.path("pairs").asInt();
        assertThat(banded).isEqualTo(on.path("pairs").asInt());
        assertThat(on.path("paired").get(0).path("accuracy_difference").path("estimate").asDouble())
                .isCloseTo(small.path("accuracy").path("estimate").asDouble() - 1.0, within(1e-12));
        assertThat(r.out()).contains("Kendall").contains("same pairs");

        // Both files get their report sections.
        RunReport.Result rep = RunReport.write(bonDir, bonDir.resolve("report.html"));
        assertThat(rep.sections()).contains("bon", "rm-on-policy");
    }
}
