package dev.rlhf4j.rl;

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

/** The experiment's contrastive and reward-hacking arms: the gold-fall figures, the choice on validation pairs, the claims. */
class ExperimentArmsTest {
    @Test
    void goldFallsAtTheFirstWindowBelowTheStart() {
        // w = 2: start = (1.0 + 1.2)/2 = 1.1; smoothed t2..t8 = 1.1, 1.4, 1.7, 1.4, 0.8, 0.5, 0.6 → first below 1.1 at t = 6;
        // peak 1.7 at t = 4; drop = 0.6 − 1.7 = −1.1.
        HackingArm.Fall f = HackingArm.fall(new double[] {1.0, 1.2, 1.6, 1.8, 1.0, 0.6, 0.4, 0.8}, 2);
        assertThat(f.start()).isCloseTo(1.1, within(1e-12));
        assertThat(f.fallIteration()).isEqualTo(6);
        assertThat(f.censored()).isFalse();
        assertThat(f.peak()).isCloseTo(1.7, within(1e-12));
        assertThat(f.peakIteration()).isEqualTo(4);
        assertThat(f.last()).isCloseTo(0.6, within(1e-12));
        assertThat(f.drop()).isCloseTo(-1.1, within(1e-12));
        assertThat(f.window()).isEqualTo(2);
        assertThat(f.iterations()).isEqualTo(8);
    }

    @Test
    void goldThatNeverFallsIsCensoredAtTheBudget() {
        HackingArm.Fall rising = HackingArm.fall(new double[] {1, 2, 3, 4}, 1);
        assertThat(rising.censored()).isTrue();
        assertThat(rising.fallIteration()).isEqualTo(4);
        assertThat(rising.peakIteration()).isEqualTo(4);
        assertThat(rising.drop()).isZero();
        // Equal to the start is not below it.
        HackingArm.Fall flat = HackingArm.fall(new double[] {0.5, 0.5, 0.5}, 1);
        assertThat(flat.censored()).isTrue();
        assertThat(flat.fallIteration()).isEqualTo(3);
        // A dip inside the first window does not count: w = 3, start = (3 + 0 + 3)/3 = 2; smoothed t4 = (0 + 3 + 3)/3 = 2, t5 = 3.
        HackingArm.Fall dip = HackingArm.fall(new double[] {3, 0, 3, 3, 3}, 3);
        assertThat(dip.censored()).isTrue();
        assertThat(dip.fallIteration()).isEqualTo(5);
        assertThat(dip.drop()).isZero();
        assertThat(HackingArm.window(60)).isEqualTo(5);
        assertThat(HackingArm.window(8)).isEqualTo(2);
        assertThat(HackingArm.window(3)).isEqualTo(1);
        assertThatThrownBy(() -> HackingArm.fall(new double[] {1, 2}, 3)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void goldSeriesTakesTheLastRecordOfEachIteration(@TempDir Path tmp) throws Exception {
        Path m = tmp.resolve("metrics.jsonl");
        Files.write(m, List.of("{\"type\":\"start\"}", "{\"type\":\"ppo\",\"iteration\":1,\"gold_reward\":0.5}",
                "{\"type\":\"ppo\",\"iteration\":2,\"gold_reward\":0.7}", "{\"type\":\"resume\",\"iteration\":1}",
                "{\"type\":\"ppo\",\"iteration\":2,\"gold_reward\":0.6}", "{\"type\":\"train\",\"step\":3,\"gold_reward\":9}",
                "{\"type\":\"ppo\",\"iteration\":3,\"gold_reward\":0.4}"));
        assertThat(HackingArm.goldSeries(m)).containsExactly(0.5, 0.6, 0.4);
        assertThat(HackingArm.goldSeries(tmp.resolve("none.jsonl"))).isNull();
    }

    @Test
    void theBestContrastiveModelIsChosenOnValidationPairsOnly(@TempDir Path tmp) throws Exception {
        // b is best on the validation pairs; a is best on the clean test pairs and on gold: b must be chosen.
        row(tmp, "simcse-pairs", 0.60, 0.66, 0.95, 0.90);
        row(tmp, "swav-pairs", 0.70, 0.64, 0.80, 0.75);
        row(tmp, "swav-difference", 0.70, 0.60, 0.70, 0.70); // same accuracy as swav-pairs, lower loss: wins the tie
        ObjectNode o = ContrastiveArm.choice(tmp, List.of("simcse-pairs", "swav-pairs"), 300);
        assertThat(o.path("chosen").asText()).isEqualTo("swav-pairs");
        assertThat(o.path("candidates").size()).isEqualTo(2);
        assertThat(o.path("criterion").asText()).contains("300 validation pairs").contains("test pairs and gold were not used");
        assertThat(ContrastiveArm.choice(tmp, List.of("simcse-pairs", "swav-pairs", "swav-difference"), 300).path("chosen").asText())
                .isEqualTo("swav-difference");
        assertThat(ContrastiveArm.choose(List.of(new ContrastiveArm.Candidate("x", 0.5, 0.7), new ContrastiveArm.Candidate("y", 0.5, 0.7))))
                .isZero();
        assertThatThrownBy(() -> ContrastiveArm.choice(tmp, List.of("simcse-difference"), 300)).hasMessageContaining("was not trained");
        assertThatThrownBy(() -> new ExperimentArms.Settings(true, List.of("simcse-tokens"), true)).hasMessageContaining("unknown simcse-tokens");
    }

    private static void row(Path dir, String name, double validAcc, double validLoss, double testAcc, double goldValid) throws Exception {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("variant", name);
        r.put("given_accuracy_valid", validAcc);
        r.put("given_loss_valid", validLoss);
        r.put("gold_accuracy_test", testAcc);
        r.put("gold_accuracy_valid", goldValid);
        Files.createDirectories(dir.resolve(name));
        Json.write(dir.resolve(name).resolve(ContrastiveArm.ROW), r);
    }

    /**
     * claims.md's best-of-n table: per n the three RMs' gold of the pick and each difference from the baseline, from the
     * fixed-across-seeds entries the experiment writes (bon.json's and bon_contrastive.json's, by their own writers).
     * Two prompts × two samples: gold p0 {0, 1}, p1 {0.5, −0.5}. At n = 1 every RM's pick is the prompt's mean gold (0.5,
     * 0): 0.25. At n = 2 each RM picks its top-scored sample: baseline 0 and 0.5 (0.25), Flip + Margin 1 and 0.5 (0.75),
     * contrastive 1 and −0.5 (0.25). Over two prompts the bootstrap's 2.5% and 97.5% points are the all-p0 and all-p1
     * replicates (each a quarter of them): [0, 0.5] for the baseline, differences per prompt F+M (1, 0) → [0, 1] and
     * contrastive (1, −1) → [−1, 1]. KL_bon(2) = ln 2 − 1/2 = 0.1931.
     */
    @Test
    void claimsMdHasOneBestOfNTableOfTheThreeRewardModels(@TempDir Path out) throws Exception {
        List<String> ps = List.of("p0", "p1");
        List<List<String>> samples = List.of(List.of("a", "b"), List.of("c", "d"));
        double[][] gold = {{0, 1}, {0.5, -0.5}};
        BestOfNCurves.Scores base = new BestOfNCurves.Scores("baseline", new double[][] {{1, 0}, {1, 0}}),
                fm = new BestOfNCurves.Scores("flip+margin", new double[][] {{0, 1}, {1, 0}}),
                con = new BestOfNCurves.Scores("contrastive (simcse-pairs)", new double[][] {{0, 1}, {0, 1}});
        Files.createDirectories(out.resolve("bon"));
        int[] ns = {1, 2};
        Json.write(out.resolve("bon").resolve("bon.json"), BestOfNCurves.curves(ps, samples, gold, List.of(base, fm), ns,
                new dev.rlhf4j.eval.stats.ClusterBootstrap(1000, 1)));
        Json.write(out.resolve("bon").resolve(ContrastiveArm.BON), BestOfNCurves.curves(ps, samples, gold, List.of(base, fm, con), ns,
                new dev.rlhf4j.eval.stats.ClusterBootstrap(1000, 1)));
        ArrayNode fixed = Json.MAPPER.createArrayNode();
        Experiment.fixedBestOfN(fixed, out);
        ContrastiveArm.fixed(fixed, out);
        assertThat(fixed.size()).isEqualTo(4);
        assertThat(fixed.get(0).path("reward_model").asText()).isEqualTo("flip+margin");
        String expected = """
                | n | KL_bon | baseline | flip+margin | contrastive (simcse-pairs) | flip+margin − baseline | contrastive (simcse-pairs) − baseline |
                | --- | --- | --- | --- | --- | --- | --- |
                | 1 | 0.0000 | 0.2500 [0.0000, 0.5000] | 0.2500 [0.0000, 0.5000] | 0.2500 [0.0000, 0.5000] | +0.0000 [+0.0000, +0.0000] | +0.0000 [+0.0000, +0.0000] |
                | 2 | 0.1931 | 0.2500 [0.0000, 0.5000] | 0.7500 [0.5000, 1.0000] | 0.2500 [-0.5000, 1.0000] | +0.5000 [+0.0000, +1.0000] | +0.0000 [-1.0000, +1.0000] |
                """;
        assertThat(Experiment.bestOfNMarkdown(fixed)).contains("## Best-of-n from SFT (fixed across seeds)").endsWith(expected);
        // A claims.json written before Flip + Margin's entries named their reward model reads the same.
        for (JsonNode f : fixed) if (f.has("flip_margin_gold")) ((ObjectNode) f).remove("reward_model");
        assertThat(Experiment.bestOfNMarkdown(fixed)).endsWith(expected);
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.putArray("claims");
        claims.set("fixed_across_seeds", fixed);
        assertThat(Experiment.markdown(claims)).contains(expected);
    }

    @Test
    void bonSamplesReadBackAsWritten(@TempDir Path tmp) {
        List<String> ps = List.of("p1", "p0");
        List<List<String>> samples = List.of(List.of("a", "b"), List.of("c", "d"));
        double[][] gold = {{0.1, 0.25}, {-1.0 / 3, 7e-9}};
        List<BestOfNCurves.Scores> sc = List.of(new BestOfNCurves.Scores("baseline", new double[][] {{1, 2}, {3, 4}}),
                new BestOfNCurves.Scores("flip+margin", new double[][] {{0.3, Math.PI}, {5, 6}}));
        Path f = tmp.resolve("bon_samples.jsonl");
        BestOfNCurves.writeSamples(f, ps, samples, gold, sc);
        ContrastiveArm.BonSamples b = ContrastiveArm.BonSamples.read(f);
        assertThat(b.prompts()).isEqualTo(ps);
        assertThat(b.samples()).isEqualTo(samples);
        assertThat(b.gold()).isDeepEqualTo(gold);
        assertThat(b.scores().get("baseline")).isDeepEqualTo(sc.get(0).scores());
        assertThat(b.scores().get("flip+margin")).isDeepEqualTo(sc.get(1).scores());
    }

    @Test
    void newClaimsHaveEveryFieldTheirNullAndCensoring(@TempDir Path out) throws Exception {
        long[] seeds = {1, 2};
        // Seed 1: baseline falls at 30 (β 0) vs censored at 60 (default); A/A censored at 60. Seed 2: 20 vs 50, A/A 40.
        hacking(out, 1, new int[] {30, 60, 40, 60, 60}, new double[] {-0.5, -0.1, -0.4, 0, -0.05});
        hacking(out, 2, new int[] {20, 50, 30, 45, 40}, new double[] {-0.7, -0.2, -0.3, -0.1, -0.3});
        onPolicy(out, 1, 0.02);
        onPolicy(out, 2, 0.04);
        ArrayNode claims = Json.MAPPER.createArrayNode();
        ObjectNode o = Json.MAPPER.createObjectNode();
        ExperimentArms.claims(claims, o, seeds, out);
        assertThat(claims.size()).isEqualTo(5);
        for (JsonNode c : claims) {
            assertThat(c.fieldNames()).toIterable().contains("name", "metric", "mean", "ci_low", "ci_high", "n_seeds", "per_seed",
                    "null_ci_low", "null_ci_high", "null_source");
            assertThat(c.path("n_seeds").asInt()).isEqualTo(2);
        }
        JsonNode con = claims.get(0);
        assertThat(con.path("name").asText()).startsWith("contrastive (simcse-pairs) minus baseline RM accuracy");
        assertThat(con.path("metric").asText()).isEqualTo("rm_on_policy.accuracy_difference");
        assertThat(con.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(0.02, 0.04);
        assertThat(con.path("mean").asDouble()).isCloseTo(0.03, within(1e-12));
        assertThat(con.path("null_ci_low").isNull()).isTrue();

        JsonNode fall = claims.get(1);
        assertThat(fall.path("metric").asText()).isEqualTo("hacking.fall_iteration_difference");
        assertThat(fall.path("name").asText()).contains("baseline RM");
        // β 0 minus default: 30 − 60 = −30, 20 − 50 = −30; A/A minus seed s: 60 − 60 = 0, 40 − 50 = −10.
        assertThat(fall.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(-30.0, -30.0);
        assertThat(fall.path("null_per_seed")).extracting(JsonNode::asDouble).containsExactly(0.0, -10.0);
        assertThat(fall.path("null_mean").asDouble()).isCloseTo(-5, within(1e-12));
        // The null over two seeds: s = √50, s/√2 = 5, t(0.975, 1) = 12.706205.
        assertThat(fall.path("null_ci_high").asDouble()).isCloseTo(-5 + 5 * 12.706205, within(1e-4));
        assertThat(fall.path("censored_beta_default")).extracting(JsonNode::asBoolean).containsExactly(true, false);
        assertThat(fall.path("censored_beta_0")).extracting(JsonNode::asBoolean).containsExactly(false, false);
        JsonNode drop = claims.get(2);
        assertThat(drop.path("metric").asText()).isEqualTo("hacking.drop_difference");
        assertThat(drop.path("per_seed").get(0).asDouble()).isCloseTo(-0.4, within(1e-12));
        assertThat(drop.path("per_seed").get(1).asDouble()).isCloseTo(-0.5, within(1e-12));
        JsonNode fmFall = claims.get(3);
        assertThat(fmFall.path("name").asText()).contains("Flip+Margin RM");
        assertThat(fmFall.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(-20.0, -15.0);
        assertThat(fmFall.path("null_ci_low").isNull()).isTrue();
        assertThat(fmFall.path("null_source").asText()).startsWith("none");
        assertThat(o.path("hacking_runs").size()).isEqualTo(2);
        String md = ExperimentArms.markdown(o);
        assertThat(md).contains("| 1 | baseline_beta_default | 5 | +0.1000 | none by 60 (censored) |");
        assertThat(md).contains("| 2 | baseline_beta_0 | 5 | +0.1000 | 20 |");

        // Without the arms' files there are no new claims.
        ArrayNode none = Json.MAPPER.createArrayNode();
        ExperimentArms.claims(none, Json.MAPPER.createObjectNode(), seeds, out.resolve("empty"));
        assertThat(none).isEmpty();
    }

    private static final String[] RUNS = {"baseline_beta_0", "baseline_beta_default", "flip_margin_beta_0", "flip_margin_beta_default", "aa_beta_default"};

    private static void hacking(Path out, long s, int[] fall, double[] drop) throws Exception {
        ObjectNode h = Json.MAPPER.createObjectNode();
        ObjectNode runs = h.putObject("runs");
        for (int i = 0; i < RUNS.length; i++) {
            ObjectNode r = runs.putObject(RUNS[i]);
            r.put("iterations", 60);
            r.put("window", 5);
            r.put("start", 0.1);
            r.put("fall_iteration", fall[i]);
            r.put("censored", fall[i] == 60);
            r.put("peak_smoothed", 0.3);
            r.put("peak_iteration", 10);
            r.put("last_smoothed", 0.3 + drop[i]);
            r.put("drop", drop[i]);
        }
        Path d = out.resolve("seed-" + s).resolve(HackingArm.DIR);
        Files.createDirectories(d);
        Json.write(d.resolve(HackingArm.FILE), h);
    }

    private static void onPolicy(Path out, long s, double diff) throws Exception {
        ObjectNode r = Json.MAPPER.createObjectNode();
        ObjectNode paired = r.putArray("policies").addObject().putArray("paired").addObject();
        paired.put("reward_model", "contrastive (simcse-pairs)");
        paired.put("minus", "baseline");
        paired.putObject("accuracy_difference").put("estimate", diff);
        Path d = out.resolve("seed-" + s).resolve("rm-on-policy").resolve(ContrastiveArm.ON_POLICY);
        Files.createDirectories(d);
        Json.write(d.resolve("rm_on_policy.json"), r);
    }
}
