package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A tiny experiment end to end: two seeds side by side, every arm, claims.json with every field; a rerun resumes. */
@Tag("slow") // reward models, SFT, 10 PPO runs, 4 MetaRM trainings, judging
class ExperimentCommandTest {
    static final String[] TINY = {"--seeds", "2", "--parallel", "2", "--first-seed", "3", "--train-prompts", "30", "--heldout-prompts", "12",
            "--sft-demos", "120", "--sft-epochs", "1", "--layers", "1", "--dim", "32", "--heads", "2",
            "--rm-pairs", "40", "--rm-test-pairs", "20", "--rm-valid-pairs", "10", "--members", "2",
            "--iterations", "2", "--prompts-per-iter", "2", "--rollouts", "2", "--max-new-tokens", "12",
            "--meta-steps", "2", "--meta-prompts", "4", "--meta-max-new-tokens", "12",
            "--judge-prompts", "8", "--samples-per-prompt", "4", "--on-policy-prompts", "4", "--on-policy-samples", "4",
            "--bon-prompts", "4", "--bon-n-max", "4", "--bootstrap", "50"};

    @Test
    void twoSeedsWriteClaimsWithEveryFieldAndARerunResumes(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("exp");
        List<String> args = new ArrayList<>(List.of("experiment", "--out", out.toString()));
        args.addAll(List.of(TINY));
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode claims = Json.MAPPER.readTree(out.resolve("claims.json").toFile());
        assertThat(claims.path("seeds").asInt()).isEqualTo(2);
        assertThat(claims.path("seed_list")).extracting(JsonNode::asLong).containsExactly(3L, 4L);
        assertThat(claims.path("claims").size()).isEqualTo(13);
        for (JsonNode c : claims.path("claims")) {
            assertThat(c.fieldNames()).toIterable().contains("name", "metric", "mean", "ci_low", "ci_high", "n_seeds", "per_seed",
                    "null_ci_low", "null_ci_high", "null_source");
            assertThat(c.path("per_seed").size()).as(c.path("name").asText()).isEqualTo(2);
        }
        JsonNode first = claims.path("claims").get(0);
        assertThat(first.path("metric").asText()).isEqualTo("judge.mean_gold_difference");
        assertThat(first.path("n_seeds").asInt()).isEqualTo(2);
        assertThat(first.path("mean").isNumber() && first.path("ci_low").isNumber() && first.path("null_ci_high").isNumber()).isTrue();
        // The A/A comparison's null is itself.
        JsonNode aa = claims.path("claims").get(6);
        assertThat(aa.path("name").asText()).startsWith("A/A");
        assertThat(aa.path("per_seed")).isEqualTo(aa.path("null_per_seed"));
        // The seed's figures agree with its judge.json.
        JsonNode judged = Json.MAPPER.readTree(out.resolve("seed-3/judge/flip-margin-vs-baseline/judge.json").toFile());
        assertThat(first.path("per_seed").get(0).asDouble()).isEqualTo(judged.path("mean_difference").path("estimate").asDouble());
        assertThat(judged.path("samples_per_prompt").asInt()).isEqualTo(4);
        assertThat(claims.path("provenance").path("command").asText()).isEqualTo("experiment");
        assertThat(Files.readString(out.resolve("claims.md"))).contains("| Flip+Margin PPO vs baseline PPO (head to head) | judge.mean_gold_difference |");
        assertThat(out.resolve("seed-4/round-1/metarm-eta0/config.json")).exists();
        assertThat(out.resolve("bon/bon.json")).exists();

        // Every stage's output exists, so a rerun only aggregates, to the same claims.
        CliTest.Run again = CliTest.run(args.toArray(String[]::new));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).doesNotContain("== experiment:");
        JsonNode claims2 = Json.MAPPER.readTree(out.resolve("claims.json").toFile());
        assertThat(claims2.path("claims")).isEqualTo(claims.path("claims"));
    }
}
