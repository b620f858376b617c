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

/**
 * A tiny experiment end to end: two seeds side by side, every arm, claims.json with every field; a rerun resumes. The
 * first run leaves out the contrastive and hacking arms (as the experiment was before them); the second adds them to
 * the same directory, which must run only the new stages and leave every earlier output byte for byte as it was.
 */
@Tag("slow") // reward models, SFT, 14 PPO runs, 4 MetaRM trainings, 4 contrastive RMs, judging
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
        List<String> without = new ArrayList<>(args);
        without.addAll(List.of("--no-contrastive-arm", "--no-hacking-arm"));
        CliTest.Run r = CliTest.run(without.toArray(String[]::new));
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
        assertThat(claims.path("design").path("not_run").asText()).contains("--no-contrastive-arm").contains("--no-hacking-arm");

        // The new arms on the same directory: only their stages run; the earlier outputs stay as they were.
        List<Path> kept = List.of(out.resolve("bon/bon.json"), out.resolve("bon/bon_samples.jsonl"), out.resolve("seed-3/seed.json"),
                out.resolve("seed-4/seed.json"), out.resolve("seed-3/ppo-baseline/metrics.jsonl"), out.resolve("rms/summary.json"));
        List<byte[]> before = new ArrayList<>();
        for (Path f : kept) before.add(Files.readAllBytes(f));
        CliTest.Run arms = CliTest.run(args.toArray(String[]::new));
        assertThat(arms.code()).as(arms.err()).isZero();
        for (int i = 0; i < kept.size(); i++) assertThat(Files.readAllBytes(kept.get(i))).as(kept.get(i).toString()).isEqualTo(before.get(i));
        List<String> stages = arms.err().lines().filter(l -> l.startsWith("== experiment:")).toList();
        assertThat(stages).as(arms.err()).allMatch(l -> l.contains("contrastive") || l.contains("beta 0"));
        // This process's stages (the seeds' own print from their processes): the contrastive RMs and their best-of-n.
        assertThat(stages).hasSize(2);
        for (String s : List.of("seed-3", "seed-4")) {
            for (String run : List.of("ppo-baseline-beta0", "ppo-flip-margin-beta0")) assertThat(out.resolve(s + "/hacking/" + run + "/ppo.json")).exists();
        }
        JsonNode withArms = Json.MAPPER.readTree(out.resolve("claims.json").toFile());
        assertThat(withArms.path("claims").size()).isEqualTo(18);
        for (int i = 0; i < 13; i++) {
            assertThat(withArms.path("claims").get(i).path("per_seed")).isEqualTo(claims.path("claims").get(i).path("per_seed"));
        }
        for (JsonNode c : withArms.path("claims")) {
            assertThat(c.fieldNames()).toIterable().contains("name", "metric", "mean", "ci_low", "ci_high", "n_seeds", "per_seed",
                    "null_ci_low", "null_ci_high", "null_source");
            assertThat(c.path("n_seeds").asInt()).as(c.path("name").asText()).isEqualTo(2);
        }
        JsonNode hackBase = withArms.path("claims").get(14);
        assertThat(hackBase.path("metric").asText()).isEqualTo("hacking.fall_iteration_difference");
        assertThat(hackBase.path("null_per_seed").size()).isEqualTo(2);
        assertThat(withArms.path("design").path("not_run").asText()).doesNotContain("contrastive").doesNotContain("hacking");
        JsonNode choice = Json.MAPPER.readTree(out.resolve("rms/contrastive/choice.json").toFile());
        assertThat(choice.path("candidates").size()).isEqualTo(4);
        String chosen = choice.path("chosen").asText();
        assertThat(withArms.path("claims").get(13).path("name").asText()).startsWith("contrastive (" + chosen + ") minus baseline");
        // The third curve ranks the same samples as bon.json: the baseline and Flip + Margin picks have the same gold there.
        JsonNode bon = Json.MAPPER.readTree(out.resolve("bon/bon.json").toFile());
        JsonNode bon3 = Json.MAPPER.readTree(out.resolve("bon/bon_contrastive.json").toFile());
        assertThat(bon3.path("curves").size()).isEqualTo(3);
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < bon.path("n").size(); i++) {
                assertThat(bon3.path("curves").get(k).path("points").get(i).path("gold").path("estimate"))
                        .isEqualTo(bon.path("curves").get(k).path("points").get(i).path("gold").path("estimate"));
            }
        }
        assertThat(bon3.path("curves").get(2).path("reward_model").asText()).isEqualTo("contrastive (" + chosen + ")");
        // On the same final baseline-PPO samples, the baseline RM's accuracy is the one seed.json has.
        JsonNode op = Json.MAPPER.readTree(out.resolve("seed-3/rm-on-policy/baseline-last-contrastive/rm_on_policy.json").toFile());
        JsonNode op0 = Json.MAPPER.readTree(out.resolve("seed-3/rm-on-policy/baseline-last/rm_on_policy.json").toFile());
        assertThat(op.path("policies").get(0).path("reward_models").get(0).path("accuracy").path("estimate"))
                .isEqualTo(op0.path("policies").get(0).path("reward_models").get(0).path("accuracy").path("estimate"));
        JsonNode hack = Json.MAPPER.readTree(out.resolve("seed-4/hacking/hacking.json").toFile());
        assertThat(hack.path("runs").fieldNames()).toIterable().containsExactly("baseline_beta_default", "baseline_beta_0",
                "flip_margin_beta_default", "flip_margin_beta_0", "aa_beta_default");
        assertThat(Files.readString(out.resolve("claims.md"))).contains("Contrastive RM: " + chosen).contains("Reward hacking, per run");
        System.err.println("shared stage seconds (arms run): " + withArms.path("shared_stage_seconds"));
        System.err.println("arms stage seconds per seed: " + withArms.path("arms_stage_seconds"));

        // Every stage's output exists, so a rerun only aggregates, to the same claims.
        CliTest.Run again = CliTest.run(args.toArray(String[]::new));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).doesNotContain("== experiment:");
        JsonNode claims2 = Json.MAPPER.readTree(out.resolve("claims.json").toFile());
        assertThat(claims2.path("claims")).isEqualTo(withArms.path("claims"));
    }
}
