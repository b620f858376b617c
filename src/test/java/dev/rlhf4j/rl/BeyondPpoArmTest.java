package dev.rlhf4j.rl;

import dev.rlhf4j.JsonPaths;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The beyond-PPO arm's arithmetic: the tables over seeds, the speed medians, the DPO variants' denoising, the settings. */
class BeyondPpoArmTest {
    /** t(0.975, 2)·0.1/√3: the half-width of a 95% t interval of three values with standard deviation 0.1. */
    static final double HALF = 4.302652729749464 * 0.1 / Math.sqrt(3);

    private static ObjectNode judged(double meanDifference) {
        ObjectNode f = Json.MAPPER.createObjectNode();
        f.putObject("mean_difference").put("estimate", meanDifference);
        return f;
    }

    /** One seed's beyond.json: PPO(baseline) and grpo-baseline, one DPO variant. */
    private static ObjectNode seed(long s, double ppoVsSft, double grpoVsSft, double grpoVsPpo, double secs, double dpoVsSft, double dpoAcc) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seed", s);
        ObjectNode ppo = o.putArray("ppo").addObject();
        ppo.put("name", "ppo-baseline");
        ppo.put("rm", "baseline");
        ppo.set("vs_sft", judged(ppoVsSft));
        ppo.putObject("speed").put("seconds_per_iteration", 2.0).put("rollout_tokens_per_s", 100.0).put("cpu_seconds_per_iteration", 2.5);
        ObjectNode g = o.putArray("critic_free").addObject();
        g.put("name", "grpo-baseline");
        g.put("algorithm", "grpo");
        g.put("rm", "baseline");
        g.set("vs_sft", judged(grpoVsSft));
        g.set("vs_ppo", judged(grpoVsPpo));
        g.putObject("speed").put("seconds_per_iteration", secs).put("rollout_tokens_per_s", 120.0).putNull("cpu_seconds_per_iteration");
        ObjectNode d = o.putArray("dpo").addObject();
        d.put("name", "dpo");
        d.set("vs_sft", judged(dpoVsSft));
        d.set("vs_ppo", judged(-dpoVsSft));
        d.putObject("clean_test").put("accuracy", dpoAcc);
        return o;
    }

    @Test
    void theTablesAreMeansOverSeedsWithTIntervalsAndTheAaNull() {
        List<JsonNode> per = List.of(seed(1, 0.5, 0.1, 0.0, 1.0, 0.3, 0.70), seed(2, 0.5, 0.2, 0.1, 2.0, 0.3, 0.80), seed(3, 0.5, 0.3, 0.2, 3.0, 0.3, 0.75));
        ObjectNode t = BeyondPpoArm.tables(per, new long[] {1, 2, 3}, new double[] {0.0, 0.1, -0.1});
        assertThat(t.path("seeds").asInt()).isEqualTo(3);
        JsonNode claims = t.path("claims");
        // PPO vs SFT, grpo vs SFT, grpo vs PPO, dpo vs SFT, dpo vs PPO.
        assertThat(claims.size()).isEqualTo(5);
        JsonNode g = claims.get(1);
        assertThat(g.path("name").asText()).isEqualTo("grpo (baseline RM) vs SFT");
        assertThat(g.path("run").asText()).isEqualTo("grpo-baseline");
        assertThat(g.path("against").asText()).isEqualTo("sft");
        assertThat(g.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(0.1, 0.2, 0.3);
        // mean 0.2, s = 0.1, n = 3
        assertThat(g.path("mean").asDouble()).isCloseTo(0.2, within(1e-12));
        assertThat(g.path("ci_low").asDouble()).isCloseTo(0.2 - HALF, within(1e-7));
        assertThat(g.path("ci_high").asDouble()).isCloseTo(0.2 + HALF, within(1e-7));
        assertThat(g.path("n_seeds").asInt()).isEqualTo(3);
        // the A/A values 0, 0.1, −0.1: mean 0, s = 0.1
        assertThat(g.path("null_mean").asDouble()).isCloseTo(0.0, within(1e-12));
        assertThat(g.path("null_ci_high").asDouble()).isCloseTo(HALF, within(1e-7));
        assertThat(g.path("excludes_zero").asBoolean()).isFalse(); // 0.2 − 0.248 < 0
        JsonNode vsPpo = claims.get(2);
        assertThat(vsPpo.path("name").asText()).isEqualTo("grpo (baseline RM) vs PPO (baseline RM)");
        assertThat(vsPpo.path("mean").asDouble()).isCloseTo(0.1, within(1e-12));
        // Equal values: a zero-width interval at the value.
        JsonNode dpo = claims.get(3);
        assertThat(dpo.path("name").asText()).isEqualTo("dpo vs SFT");
        assertThat(dpo.path("ci_low").asDouble()).isCloseTo(0.3, within(1e-12));
        assertThat(claims.get(4).path("name").asText()).isEqualTo("dpo vs PPO (Flip+Margin RM)");
        assertThat(claims.get(4).path("mean").asDouble()).isCloseTo(-0.3, within(1e-12));
        // Levels: accuracy 0.70, 0.80, 0.75 (mean 0.75, s 0.05); no null.
        JsonNode acc = t.path("implicit_accuracy").get(0);
        assertThat(acc.path("mean").asDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(acc.path("ci_high").asDouble()).isCloseTo(0.75 + HALF / 2, within(1e-7));
        assertThat(acc.path("null_mean").isNull()).isTrue();
        // Speed rows: 3 per run; seconds 1, 2, 3 → 2 ± HALF·10; a figure no seed has stays null with n 0.
        JsonNode speed = t.path("speed");
        assertThat(speed.size()).isEqualTo(6);
        JsonNode secs = speed.get(3);
        assertThat(secs.path("run").asText()).isEqualTo("grpo-baseline");
        assertThat(secs.path("field").asText()).isEqualTo("seconds_per_iteration");
        assertThat(secs.path("mean").asDouble()).isCloseTo(2.0, within(1e-12));
        assertThat(secs.path("ci_low").asDouble()).isCloseTo(2.0 - 10 * HALF, within(1e-7));
        assertThat(speed.get(5).path("n_seeds").asInt()).isZero();
        assertThat(speed.get(5).path("mean").isNull()).isTrue();

        String md = BeyondPpoArm.markdown(t);
        assertThat(md).contains("3 seeds ([1,2,3])");
        assertThat(md).contains(String.format(java.util.Locale.ROOT, "A/A null (same metric): +0.0000 [%+.4f, %+.4f]", -HALF, HALF));
        assertThat(md).contains("| PPO (baseline RM) | +0.5000 [+0.5000, +0.5000] (+0.500, +0.500, +0.500) | (reference) | 2.00 [2.00, 2.00] | 100.0 [100.0, 100.0] | 2.50 [2.50, 2.50] |");
        assertThat(md).contains(String.format(java.util.Locale.ROOT, "| grpo (baseline RM) | +0.2000 [%+.4f, %+.4f] (+0.100, +0.200, +0.300) | "
                + "+0.1000 [%+.4f, %+.4f] (+0.000, +0.100, +0.200) | 2.00 [%.2f, %.2f] | 120.0 [120.0, 120.0] | - |", 0.2 - HALF, 0.2 + HALF,
                0.1 - HALF, 0.1 + HALF, 2 - 10 * HALF, 2 + 10 * HALF));
        assertThat(md).contains(String.format(java.util.Locale.ROOT, "| dpo | +0.3000 [+0.3000, +0.3000] (+0.300, +0.300, +0.300) | "
                + "-0.3000 [-0.3000, -0.3000] (-0.300, -0.300, -0.300) | 0.7500 [%.4f, %.4f] |", 0.75 - HALF / 2, 0.75 + HALF / 2));
    }

    /** The report's hand-written {@code beyond_ppo.json} (test resource) has every field {@link BeyondPpoArm#tables} writes. */
    @Test
    void theReportFixtureHasTheWritersShape() throws Exception {
        List<JsonNode> per = List.of(seed(1, 0.5, 0.1, 0.0, 1.0, 0.3, 0.70), seed(2, 0.5, 0.2, 0.1, 2.0, 0.3, 0.80), seed(3, 0.5, 0.3, 0.2, 3.0, 0.3, 0.75));
        ObjectNode written = BeyondPpoArm.tables(per, new long[] {1, 2, 3}, new double[] {0.0, 0.1, -0.1});
        JsonNode fixture;
        try (java.io.InputStream in = BeyondPpoArmTest.class.getResourceAsStream("/report/beyond_ppo.json")) {
            fixture = Json.MAPPER.readTree(in);
        }
        assertThat(JsonPaths.of(fixture)).containsAll(JsonPaths.of(written)).contains("design.primary_figure", "design.dpo_variants");
    }

    @Test
    void withoutAnAaArmTheNullIsNoneAndAMissingSeedIsLeftOut() {
        ObjectNode third = seed(3, 0.5, 0.3, 0.2, 3.0, 0.3, 0.75);
        ((ArrayNode) third.path("critic_free")).removeAll(); // seed 3 lacks grpo-baseline
        List<JsonNode> per = List.of(seed(1, 0.5, 0.1, 0.0, 1.0, 0.3, 0.70), seed(2, 0.5, 0.3, 0.1, 2.0, 0.3, 0.80), third);
        ObjectNode t = BeyondPpoArm.tables(per, new long[] {1, 2, 3}, new double[] {Double.NaN, Double.NaN, Double.NaN});
        JsonNode g = t.path("claims").get(1);
        assertThat(g.path("n_seeds").asInt()).isEqualTo(2);
        assertThat(g.path("per_seed").get(2).isNull()).isTrue();
        assertThat(g.path("mean").asDouble()).isCloseTo(0.2, within(1e-12));
        // two values 0.1, 0.3: s = √0.02, t(0.975, 1) = 12.7062047361747
        double half = 12.706204736174698 * Math.sqrt(0.02) / Math.sqrt(2);
        assertThat(g.path("ci_high").asDouble()).isCloseTo(0.2 + half, within(1e-7));
        assertThat(g.path("null_mean").isNull()).isTrue();
        assertThat(g.path("null_source").asText()).startsWith("none: this directory has no A/A arm");
        assertThat(BeyondPpoArm.markdown(t)).contains("A/A null (same metric): none: this directory has no A/A arm");
    }

    @Test
    void speedIsTheMedianOverIterationsAfterTheFirst(@TempDir Path tmp) throws Exception {
        // Iteration seconds = generate + score + log-probs + update: it1 10 (left out), it2 4, it3 6 then resumed as 5, it4 3.
        // Median of {4, 5, 3} = 4; tokens/s {50, 70, 60} → 60. CPU 40 s over 4 iterations = 10.
        Files.write(tmp.resolve("metrics.jsonl"), List.of("{\"type\":\"start\"}",
                rec(1, 4, 3, 2, 1, 10), rec(2, 1, 1, 1, 1, 50), rec(3, 2, 2, 1, 1, 99), "{\"type\":\"resume\",\"iteration\":2}",
                rec(3, 2, 1, 1, 1, 70), rec(4, 1, 1, 0.5, 0.5, 60)));
        ObjectNode s = BeyondPpoArm.speed(tmp, 4, 40);
        assertThat(s.path("seconds_per_iteration").asDouble()).isCloseTo(4.0, within(1e-12));
        assertThat(s.path("rollout_tokens_per_s").asDouble()).isCloseTo(60.0, within(1e-12));
        assertThat(s.path("cpu_seconds_per_iteration").asDouble()).isCloseTo(10.0, within(1e-12));
        assertThat(s.path("iterations_read").asInt()).isEqualTo(3);
        // One iteration: it is the only one read. No metrics: nulls.
        Path one = tmp.resolve("one");
        Files.createDirectories(one);
        Files.write(one.resolve("metrics.jsonl"), List.of(rec(1, 1, 1, 1, 1, 10)));
        assertThat(BeyondPpoArm.speed(one, 1, Double.NaN).path("seconds_per_iteration").asDouble()).isCloseTo(4.0, within(1e-12));
        assertThat(BeyondPpoArm.speed(one, 1, Double.NaN).path("cpu_seconds_per_iteration").isNull()).isTrue();
        assertThat(BeyondPpoArm.speed(tmp.resolve("none"), 3, 1).path("seconds_per_iteration").isNull()).isTrue();
        assertThat(BeyondPpoArm.median(new double[] {3, 1, 2, 10})).isCloseTo(2.5, within(1e-12));
        assertThat(BeyondPpoArm.median(new double[] {Double.NaN, 7})).isCloseTo(7.0, within(1e-12));
    }

    private static String rec(int it, double gen, double score, double logp, double upd, double tps) {
        return String.format(java.util.Locale.ROOT, "{\"type\":\"ppo\",\"iteration\":%d,\"time_generate_s\":%s,\"time_score_s\":%s,"
                + "\"time_logprobs_s\":%s,\"time_update_s\":%s,\"rollout_tokens_per_s\":%s}", it, gen, score, logp, upd, tps);
    }

    @Test
    void theDpoVariantsDenoiseAsTheirNamesSay() {
        BeyondPpoArm.Settings a = BeyondPpoArm.Settings.parse(List.of("grpo"), List.of("dpo", "dpo-flip-margin", "cdpo", "ipo"), 0.1, 5e-4, 1, 0.1);
        ObjectNode summary = Json.MAPPER.createObjectNode();
        summary.putObject("config").put("flip_below", -0.25).put("margin_scale", 2.0);
        DpoPairs.Denoising fm = BeyondPpoArm.denoising("dpo-flip-margin", a, summary);
        assertThat(fm).isEqualTo(new DpoPairs.Denoising(-0.25, Double.NaN, Double.NaN, true, 2.0, BeyondPpoArm.MARGIN_MAX, false, 0.5, 0));
        assertThat(fm.needsStrength()).isTrue();
        // Without the RM's summary: the demo's threshold 0 and scale 1.
        assertThat(BeyondPpoArm.denoising("dpo-flip-margin", a, null).flipBelow()).isZero();
        assertThat(BeyondPpoArm.denoising("dpo-flip-margin", a, null).marginScale()).isEqualTo(1.0);
        assertThat(BeyondPpoArm.denoising("cdpo", a, summary)).isEqualTo(DpoPairs.Denoising.none(0.1));
        assertThat(BeyondPpoArm.denoising("dpo", a, summary)).isEqualTo(DpoPairs.Denoising.none(0));
        assertThat(BeyondPpoArm.denoising("ipo", a, summary).needsStrength()).isFalse();
    }

    @Test
    void settingsRefusePpoUnknownVariantsAndNothing() {
        BeyondPpoArm.Settings a = BeyondPpoArm.Settings.parse(List.of("grpo", " RLOO", "reinforce++", ""), List.of("dpo", ""), 0.1, 5e-4, 1, 0.1);
        assertThat(a.algorithms()).containsExactly(Algorithm.GRPO, Algorithm.RLOO, Algorithm.REINFORCE_PP);
        assertThat(a.dpoVariants()).containsExactly("dpo");
        assertThatThrownBy(() -> BeyondPpoArm.Settings.parse(List.of("ppo"), List.of(), 0.1, 5e-4, 1, 0.1)).hasMessageContaining("critic-free");
        assertThatThrownBy(() -> BeyondPpoArm.Settings.parse(List.of(), List.of("odpo"), 0.1, 5e-4, 1, 0.1)).hasMessageContaining("unknown odpo");
        assertThatThrownBy(() -> BeyondPpoArm.Settings.parse(List.of(""), List.of(""), 0.1, 5e-4, 1, 0.1)).hasMessageContaining("both empty");
        assertThatThrownBy(() -> BeyondPpoArm.Settings.parse(List.of("grpo"), List.of(), 0.1, 5e-4, 1, 0.5)).hasMessageContaining("--cdpo-smoothing");
    }

    @Test
    void anExperimentSeedWithTheArmOnIsDoneOnlyWithItsBeyondFile(@TempDir Path tmp) throws Exception {
        BeyondPpoArm.Settings few = BeyondPpoArm.Settings.parse(List.of("grpo"), List.of(), 0.1, 5e-4, 1, 0.1);
        Files.writeString(tmp.resolve("seed.json"), "{\"seed\":1}");
        ExperimentArms.Settings off = new ExperimentArms.Settings(false, List.of(), false), on = new ExperimentArms.Settings(false, List.of(), false, few);
        assertThat(off.beyondPpo()).isNull();
        assertThat(ExperimentArms.seedDone(off, tmp)).isTrue();
        assertThat(ExperimentArms.seedDone(on, tmp)).isFalse();
        Files.createDirectories(tmp.resolve(BeyondPpoArm.DIR));
        Files.writeString(tmp.resolve(BeyondPpoArm.DIR).resolve(BeyondPpoArm.FILE),
                "{\"critic_free\":[{\"name\":\"grpo-baseline\"},{\"name\":\"grpo-flip-margin\"}],\"dpo\":[]}");
        assertThat(ExperimentArms.seedDone(on, tmp)).isTrue();
    }

    @Test
    void aSeedIsDoneWhenItsFileListsEveryRunAskedFor() {
        BeyondPpoArm.Settings few = BeyondPpoArm.Settings.parse(List.of("grpo"), List.of("dpo"), 0.1, 5e-4, 1, 0.1);
        BeyondPpoArm.Settings more = BeyondPpoArm.Settings.parse(List.of("grpo", "rloo"), List.of("dpo"), 0.1, 5e-4, 1, 0.1);
        ObjectNode b = Json.MAPPER.createObjectNode();
        ArrayNode cf = b.putArray("critic_free");
        for (String n : List.of("grpo-baseline", "grpo-flip-margin")) cf.addObject().put("name", n);
        b.putArray("dpo").addObject().put("name", "dpo");
        assertThat(BeyondPpoArm.complete(b, few)).isTrue();
        assertThat(BeyondPpoArm.complete(b, more)).isFalse();
        assertThat(BeyondPpoArm.complete(null, few)).isFalse();
    }
}
