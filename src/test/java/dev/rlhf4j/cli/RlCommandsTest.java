package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** synth --rl-out → sft → ppo → judge from the command line, on a tiny policy. */
@Tag("slow") // slow tier: sft, ppo and judge runs
class RlCommandsTest {
    @Test
    void theLoopRunsFromTheCommandLineAndWritesItsFiles(@TempDir Path tmp) throws Exception {
        Path task = tmp.resolve("task");
        CliTest.Run s = CliTest.run("synth", "--pairs", "20", "--out", task.resolve("pairs.jsonl").toString(), "--rl-out", task.toString(),
                "--rl-train-prompts", "30", "--rl-heldout-prompts", "12", "--sft-demos", "120", "--noise", "bias:length");
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(Files.readAllLines(task.resolve("sft.jsonl"))).hasSize(120);

        Path sft = tmp.resolve("sft");
        CliTest.Run a = CliTest.run("sft", "--data", task.resolve("sft.jsonl").toString(), "--out", sft.toString(), "--layers", "1",
                "--dim", "32", "--heads", "2", "--epochs", "1", "--max-length", "64", "--max-prompt-tokens", "32");
        assertThat(a.code()).as(a.err()).isZero();
        JsonNode sftJson = Json.MAPPER.readTree(sft.resolve("sft.json").toFile());
        assertThat(sftJson.path("valid_ppl").asDouble()).isLessThan(sftJson.path("valid_ppl_before").asDouble());
        assertThat(sftJson.path("provenance").path("command").asText()).isEqualTo("sft");

        Path ppo = tmp.resolve("ppo");
        CliTest.Run b = CliTest.run("ppo", "--policy", sft.toString(), "--reward-model", "gold", "--prompts",
                task.resolve("prompts_train.jsonl").toString(), "--out", ppo.toString(), "--iterations", "2", "--prompts-per-iter", "2",
                "--max-new-tokens", "12", "--kl-beta", "0");
        assertThat(b.code()).as(b.err()).isZero();
        List<String> metrics = Files.readAllLines(ppo.resolve("metrics.jsonl"));
        assertThat(metrics).hasSize(2);
        assertThat(Json.MAPPER.readTree(metrics.get(1)).path("gold_reward").isNumber()).isTrue();
        assertThat(Json.MAPPER.readTree(ppo.resolve("ppo.json").toFile()).path("config").path("klBeta").asDouble()).isZero();

        CliTest.Run j = CliTest.run("judge", "--a", ppo.toString(), "--b", sft.toString(), "--prompts",
                task.resolve("prompts_heldout.jsonl").toString(), "--max-new-tokens", "12", "--samples-per-prompt", "1", "--json");
        assertThat(j.code()).as(j.err()).isZero();
        JsonNode judge = Json.MAPPER.readTree(ppo.resolve("judge.json").toFile());
        assertThat(judge.path("n").asInt()).isEqualTo(12);
        assertThat(judge.path("win").asDouble() + judge.path("tie").asDouble() + judge.path("lose").asDouble())
                .isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(judge.path("win_count").asInt() + judge.path("tie_count").asInt() + judge.path("lose_count").asInt()).isEqualTo(12);
        assertThat(Files.readAllLines(ppo.resolve("judge.jsonl"))).hasSize(12);
        assertThat(j.out()).contains("\"win\"");

        // Bad input names the file and line.
        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "{\"prompt\": \"hi\", \"response\": \"there\"}\n{\"prompt\": 3}\n");
        CliTest.Run c = CliTest.run("sft", "--data", bad.toString(), "--out", tmp.resolve("x").toString());
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("bad.jsonl:2").contains("prompt");
    }
}
