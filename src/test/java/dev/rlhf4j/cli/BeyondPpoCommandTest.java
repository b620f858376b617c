package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.strength.StrengthEstimator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code experiment --beyond-ppo-only} end to end at tiny sizes: two seeds, GRPO and two DPO variants first, then the
 * longer lists on the same directory (only the new runs: REINFORCE++, Flip + Margin DPO, cDPO), then a rerun that only
 * aggregates. RLOO is left out to keep the test short (its loop is CriticFreeLoopTest's).
 */
@Tag("slow") // reward models, SFT, per seed 2 PPO + 4 critic-free runs, 4 DPO trainings, 18 judgements
class BeyondPpoCommandTest {
    @Test
    void theArmRunsAloneResumesWithLongerListsAndWritesItsTables(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("exp");
        List<String> args = new ArrayList<>(List.of("experiment", "--out", out.toString(), "--beyond-ppo-only"));
        List<String> tiny = new ArrayList<>(List.of(ExperimentCommandTest.TINY));
        tiny.set(tiny.indexOf("--parallel") + 1, "1"); // seeds in this process: their stage lines are in this log
        args.addAll(tiny);
        List<String> few = new ArrayList<>(args);
        few.addAll(List.of("--beyond-algorithms", "grpo", "--beyond-dpo", "dpo,ipo"));
        CliTest.Run r = CliTest.run(few.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode b = Json.MAPPER.readTree(out.resolve("beyond_ppo.json").toFile());
        assertThat(b.path("seed_list")).extracting(JsonNode::asLong).containsExactly(3L, 4L);
        // PPO (2 RMs) vs SFT; grpo (2 RMs) vs SFT and vs PPO; dpo, ipo vs SFT and vs PPO (Flip+Margin).
        assertThat(b.path("claims").size()).isEqualTo(2 + 4 + 4);
        assertThat(b.path("implicit_accuracy").size()).isEqualTo(2);
        assertThat(b.path("speed").size()).isEqualTo(3 * 4);
        assertThat(out.resolve("claims.json")).doesNotExist();
        assertThat(out.resolve("seed-3/seed.json")).doesNotExist();
        assertThat(out.resolve("seed-3/round-1")).doesNotExist();
        // The figures are those of the judgements and runs on disk.
        JsonNode grpoVsPpo = b.path("claims").get(3);
        assertThat(grpoVsPpo.path("name").asText()).isEqualTo("grpo (baseline RM) vs PPO (baseline RM)");
        for (int i = 0; i < 2; i++) {
            JsonNode j = Json.MAPPER.readTree(out.resolve("seed-" + (3 + i) + "/beyond-ppo/judge/grpo-baseline-vs-ppo/judge.json").toFile());
            assertThat(grpoVsPpo.path("per_seed").get(i).asDouble()).isEqualTo(j.path("mean_difference").path("estimate").asDouble());
        }
        JsonNode ppoVsSft = Json.MAPPER.readTree(out.resolve("seed-4/judge/baseline-vs-sft/judge.json").toFile());
        assertThat(b.path("claims").get(0).path("per_seed").get(1).asDouble()).isEqualTo(ppoVsSft.path("mean_difference").path("estimate").asDouble());
        assertThat(b.path("claims").get(0).path("null_source").asText()).startsWith("none");
        JsonNode grpo = Json.MAPPER.readTree(out.resolve("seed-4/beyond-ppo/grpo-flip-margin/ppo.json").toFile());
        assertThat(grpo.path("config").path("algorithm").asText()).isEqualTo("grpo");
        assertThat(grpo.path("config").path("seed").asLong()).isEqualTo(4L);
        assertThat(grpo.path("iterations").asInt()).isEqualTo(2);
        assertThat(grpo.path("reward_model").asText()).endsWith("flip-margin-rm");
        JsonNode ppo = Json.MAPPER.readTree(out.resolve("seed-4/ppo-flip-margin/ppo.json").toFile());
        assertThat(ppo.path("config").path("algorithm").asText()).isEqualTo("ppo");
        JsonNode ipo = Json.MAPPER.readTree(out.resolve("seed-3/beyond-ppo/ipo/dpo.json").toFile());
        assertThat(ipo.path("loss").asText()).isEqualTo("ipo");
        assertThat(ipo.path("seed").asLong()).isEqualTo(3L);
        assertThat(ipo.path("pairs").asInt()).isEqualTo(40);
        JsonNode clean = Json.MAPPER.readTree(out.resolve("seed-3/beyond-ppo/dpo/clean_test.json").toFile());
        assertThat(clean.path("n").asInt()).isEqualTo(20);
        assertThat(b.path("implicit_accuracy").get(0).path("per_seed").get(0).asDouble()).isEqualTo(clean.path("accuracy").asDouble());
        assertThat(Files.readString(out.resolve("beyond_ppo.md"))).contains("| grpo (Flip+Margin RM) |").contains("| ipo |");

        // Longer lists on the same directory: only the new runs; the earlier outputs stay as they were.
        List<Path> kept = List.of(out.resolve("seed-3/beyond-ppo/grpo-baseline/ppo.json"), out.resolve("seed-3/ppo-baseline/metrics.jsonl"),
                out.resolve("seed-4/beyond-ppo/dpo/dpo.json"), out.resolve("seed-4/beyond-ppo/judge/grpo-baseline-vs-sft/judge.json"));
        List<byte[]> before = new ArrayList<>();
        for (Path f : kept) before.add(Files.readAllBytes(f));
        args.addAll(List.of("--beyond-algorithms", "grpo,reinforce++")); // --beyond-dpo: the default, all four
        CliTest.Run all = CliTest.run(args.toArray(String[]::new));
        assertThat(all.code()).as(all.err()).isZero();
        for (int i = 0; i < kept.size(); i++) assertThat(Files.readAllBytes(kept.get(i))).as(kept.get(i).toString()).isEqualTo(before.get(i));
        List<String> stages = all.err().lines().filter(l -> l.startsWith("== experiment:")).toList();
        assertThat(stages).as(all.err()).hasSize(2 * (2 + 2))
                .allMatch(l -> l.contains("reinforce++") || l.contains("dpo-flip-margin") || l.contains("cdpo"));
        JsonNode b2 = Json.MAPPER.readTree(out.resolve("beyond_ppo.json").toFile());
        assertThat(b2.path("claims").size()).isEqualTo(2 + 8 + 8);
        assertThat(b2.path("claims").get(1)).isEqualTo(b.path("claims").get(1)); // PPO (Flip+Margin) vs SFT unchanged
        // Flip + Margin DPO flips exactly the pairs whose strength is below the RM's threshold (0 here).
        int below = 0;
        for (String line : Files.readAllLines(out.resolve("rms/strength.jsonl"), StandardCharsets.UTF_8)) {
            if (!line.isBlank() && Json.MAPPER.readTree(line).path(StrengthEstimator.MEAN).asDouble() < 0) below++;
        }
        JsonNode fm = Json.MAPPER.readTree(out.resolve("seed-3/beyond-ppo/dpo-flip-margin/dpo.json").toFile());
        assertThat(fm.path("flipped").asInt()).isEqualTo(below);
        assertThat(fm.path("denoising").asText()).contains("flip μ̂ < 0.0").contains("Δ = min(4.0, max(0, 1.0·μ̂))");
        JsonNode cdpo = Json.MAPPER.readTree(out.resolve("seed-3/beyond-ppo/cdpo/dpo.json").toFile());
        assertThat(cdpo.path("mean_smoothing").asDouble()).isCloseTo(0.1, org.assertj.core.api.Assertions.within(1e-12));
        String md = Files.readString(out.resolve("beyond_ppo.md"));
        assertThat(md).contains("| reinforce++ (baseline RM) |").contains("| dpo-flip-margin |").contains("## DPO variants on the same noisy pairs");

        // Every output exists: a rerun only aggregates, to the same tables.
        CliTest.Run again = CliTest.run(args.toArray(String[]::new));
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.err()).doesNotContain("== experiment:");
        assertThat(Json.MAPPER.readTree(out.resolve("beyond_ppo.json").toFile()).path("claims")).isEqualTo(b2.path("claims"));
    }
}
