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
import static org.assertj.core.api.Assertions.within;

/**
 * A tiny experiment end to end: two seeds side by side, every arm of round 1 ({@code --rounds 1}), claims.json with
 * every field. The first run leaves out the contrastive and hacking arms (as the experiment was before them); the second
 * adds them to the same directory, which must run only the new stages and leave every earlier output byte for byte as it
 * was; then {@code --rounds 2} on the same directory runs only round 2's stages and iterated vanilla PPO, and keeps
 * round 1's claims; a rerun resumes.
 */
@Tag("slow") // reward models, SFT, 22 PPO runs, 8 MetaRM trainings, 4 contrastive RMs, judging
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
        List<String> args = new ArrayList<>(List.of("experiment", "--out", out.toString(), "--rounds", "1"));
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
        assertThat(claims.path("design").path("not_run").asText()).startsWith("MetaRM rounds after the first");
        assertThat(claims.path("mechanism_table").size()).isEqualTo(5);

        // Round 2 on the same directory: only the new stages run (the seeds run in child processes, whose log is not
        // captured: round 1's outputs and their recorded times stay as they were); round 1's claims are unchanged.
        JsonNode s3r1 = Json.MAPPER.readTree(out.resolve("seed-3/seed.json").toFile());
        byte[] ppoR1 = Files.readAllBytes(out.resolve("seed-3/round-1/ppo-metarm/ppo.json"));
        byte[] judgeR1 = Files.readAllBytes(out.resolve("seed-4/judge/metarm-vs-eta0/judge.json"));
        List<String> two = new ArrayList<>(args);
        two.set(two.indexOf("--rounds") + 1, "2");
        CliTest.Run r2 = CliTest.run(two.toArray(String[]::new));
        assertThat(r2.code()).as(r2.err()).isZero();
        assertThat(r2.err()).doesNotContain("== experiment:"); // the shared stages did not run again
        assertThat(Files.readAllBytes(out.resolve("seed-3/round-1/ppo-metarm/ppo.json"))).isEqualTo(ppoR1);
        assertThat(Files.readAllBytes(out.resolve("seed-4/judge/metarm-vs-eta0/judge.json"))).isEqualTo(judgeR1);
        JsonNode c2 = Json.MAPPER.readTree(out.resolve("claims.json").toFile());
        JsonNode cl = c2.path("claims");
        assertThat(cl.size()).isEqualTo(13 + 6 + 5); // the round-2 claims, then the contrastive and hacking arms
        for (int i = 0; i < 13; i++) assertThat(cl.get(i)).isEqualTo(claims.path("claims").get(i));
        for (JsonNode c : cl) {
            assertThat(c.fieldNames()).toIterable().contains("name", "metric", "mean", "ci_low", "ci_high", "n_seeds", "per_seed",
                    "null_ci_low", "null_ci_high", "null_source");
            assertThat(c.path("n_seeds").asInt()).as(c.path("name").asText()).isEqualTo(2);
        }
        JsonNode s3 = Json.MAPPER.readTree(out.resolve("seed-3/seed.json").toFile()), s4 = Json.MAPPER.readTree(out.resolve("seed-4/seed.json").toFile());
        assertThat(s3.path("rounds").asInt()).isEqualTo(2);
        assertThat(s3.path("stage_seconds").path("ppo_baseline")).as("round 1's times kept").isEqualTo(s3r1.path("stage_seconds").path("ppo_baseline"));
        assertThat(s3.path("stage_seconds").path("ppo_metarm")).isEqualTo(s3r1.path("stage_seconds").path("ppo_metarm"));
        assertThat(s3.path("stage_seconds").has("ppo_vanilla_round_2")).isTrue();
        String[][] judged2 = {{"metarm_vs_eta0_round_2", "metarm-vs-eta0-round-2"}, {"metarm_vs_vanilla_round_2", "metarm-vs-vanilla-round-2"}};
        for (int k = 0; k < judged2.length; k++) {
            JsonNode c = cl.get(13 + 2 * k);
            assertThat(c.path("metric").asText()).isEqualTo("judge.mean_gold_difference");
            double a = s3.path("judged").path(judged2[k][0]).path("mean_difference").path("estimate").asDouble();
            double b = s4.path("judged").path(judged2[k][0]).path("mean_difference").path("estimate").asDouble();
            JsonNode file = Json.MAPPER.readTree(out.resolve("seed-3/judge/" + judged2[k][1] + "/judge.json").toFile());
            assertThat(a).isEqualTo(file.path("mean_difference").path("estimate").asDouble());
            assertThat(c.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(a, b);
            assertThat(c.path("mean").asDouble()).isCloseTo((a + b) / 2, within(1e-12));
            assertThat(c.path("null_per_seed")).isEqualTo(cl.get(6).path("per_seed"));
        }
        JsonNode acc = cl.get(17);
        assertThat(acc.path("name").asText()).isEqualTo("MetaRM minus eta-0 RM accuracy on round 2's policy samples (same pairs)");
        JsonNode onPolicy = Json.MAPPER.readTree(out.resolve("seed-4/rm-on-policy/round-2/rm_on_policy.json").toFile()).path("policies").path(0);
        assertThat(onPolicy.path("policy").asText()).endsWith("seed-4/round-1/ppo-metarm/policy");
        assertThat(acc.path("per_seed").get(1).asDouble())
                .isEqualTo(onPolicy.path("paired").path(0).path("accuracy_difference").path("estimate").asDouble());
        JsonNode mech = c2.path("mechanism_table");
        assertThat(mech.size()).isEqualTo(9);
        assertThat(mech.get(2).path("per_seed").get(0).asDouble())
                .isEqualTo(s3.path("rm_on_policy").path("vanilla_last").path("reward_models").path(0).path("accuracy").path("estimate").asDouble());
        assertThat(c2.path("design").path("not_run").asText()).isEqualTo("nothing: every arm ran");
        assertThat(Files.readString(out.resolve("claims.md"))).contains("## Mechanism", "| MetaRM round 2 PPO vs iterated vanilla PPO round 2");
        // Each chain continues from its own round 1, with the same PPO seed (s + 10000 + 1) and budget in every chain.
        String[][] chains = {{"ppo-metarm", "round-1/ppo-metarm", "round-2/metarm"}, {"ppo-eta0", "round-1/ppo-eta0", "round-2/metarm-eta0"},
                {"ppo-vanilla", "round-1/ppo-vanilla", "rms/baseline-rm"}};
        for (String[] ch : chains) {
            JsonNode ppo = Json.MAPPER.readTree(out.resolve("seed-3/round-2/" + ch[0] + "/ppo.json").toFile());
            assertThat(Path.of(ppo.path("policy_in").asText())).isEqualTo(out.resolve("seed-3/" + ch[1] + "/policy"));
            assertThat(ppo.path("reward_model").asText()).endsWith(ch[2]);
            assertThat(ppo.path("config").path("seed").asLong()).isEqualTo(10_004L);
            assertThat(ppo.path("iterations").asInt()).isEqualTo(2);
        }
        JsonNode v1 = Json.MAPPER.readTree(out.resolve("seed-3/round-1/ppo-vanilla/ppo.json").toFile());
        assertThat(Path.of(v1.path("policy_in").asText())).isEqualTo(out.resolve("seed-3/ppo-baseline/policy"));
        assertThat(v1.path("config").path("seed").asLong()).isEqualTo(4L);
        assertThat(out.resolve("seed-3/round-2/meta_set_eta0.jsonl")).exists();

        CliTest.Run r3 = CliTest.run(two.toArray(String[]::new));
        assertThat(r3.code()).as(r3.err()).isZero();
        assertThat(r3.err()).doesNotContain("== experiment:");
        assertThat(Json.MAPPER.readTree(out.resolve("claims.json").toFile()).path("claims")).isEqualTo(cl);
    }
}
