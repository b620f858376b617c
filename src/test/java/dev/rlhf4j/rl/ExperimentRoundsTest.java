package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The later rounds' claims and mechanism table from hand-made seed.json figures; the η = 0 control; resuming. */
class ExperimentRoundsTest {
    private static Experiment.Config config(int rounds) {
        return new Experiment.Config(2, 1, 1, 42, 0, 0, 0, null, null, null, MetaRm.Config.defaults(), 0, 4, 0, 2, 0, 0, 0, 0, rounds);
    }

    /** A seed.json with the figures the claims read: judged means and win − lose, accuracies and paired differences. */
    private static ObjectNode seed(long s, double r2VsEta0, double r2VsVanilla, double aa, double accSft, double accLast, double accAa,
                                   double accVanilla, double eta0R2, double metaR2, double diffR2) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seed", s);
        o.put("rounds", 2);
        ObjectNode j = o.putObject("judged");
        judged(j, "metarm_vs_eta0_round_2", r2VsEta0);
        judged(j, "metarm_vs_vanilla_round_2", r2VsVanilla);
        judged(j, "aa", aa);
        ObjectNode m = o.putObject("rm_on_policy");
        acc(m, "sft", accSft);
        acc(m, "baseline_last", accLast);
        acc(m, "aa_last", accAa);
        acc(m, "vanilla_last", accVanilla);
        acc(m, "round_1", 0.5, 0.5);
        ObjectNode r2 = acc(m, "round_2", eta0R2, metaR2);
        r2.putArray("paired").addObject().putObject("accuracy_difference").put("estimate", diffR2);
        return o;
    }

    private static void judged(ObjectNode j, String key, double mean) {
        ObjectNode x = j.putObject(key);
        x.putObject("mean_difference").put("estimate", mean);
        x.putObject("win_minus_lose").put("estimate", mean / 10);
    }

    private static ObjectNode acc(ObjectNode m, String key, double... acc) {
        ObjectNode p = m.putObject(key);
        ArrayNode rms = p.putArray("reward_models");
        for (double a : acc) rms.addObject().putObject("accuracy").put("estimate", a);
        return p;
    }

    @Test
    void roundTwoClaimsHaveTheSeedsFiguresAndTheAaNull() {
        List<ObjectNode> perSeed = List.of(seed(1, 0.2, -0.1, 0.05, 0.70, 0.62, 0.64, 0.55, 0.60, 0.66, 0.06),
                seed(2, 0.4, 0.3, -0.05, 0.66, 0.60, 0.61, 0.53, 0.58, 0.61, 0.03));
        long[] seeds = {1, 2};
        List<ExperimentClaims.Comparison> cs = new ArrayList<>();
        ExperimentRounds.claims(config(2), perSeed, seeds, cs, "A/A");
        JsonNode claims = ExperimentClaims.claims(cs);
        assertThat(claims).hasSize(6);
        JsonNode eta0 = claims.get(0);
        assertThat(eta0.path("name").asText()).isEqualTo("MetaRM round 2 PPO vs eta-0 control round 2 PPO");
        assertThat(eta0.path("metric").asText()).isEqualTo("judge.mean_gold_difference");
        assertThat(eta0.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(0.2, 0.4);
        assertThat(eta0.path("mean").asDouble()).isCloseTo(0.3, within(1e-12));
        // s = √0.02, s/√2 = 0.1, t(0.975, 1) = 12.706205.
        assertThat(eta0.path("ci_low").asDouble()).isCloseTo(0.3 - 1.2706205, within(1e-6));
        assertThat(eta0.path("null_per_seed")).extracting(JsonNode::asDouble).containsExactly(0.05, -0.05);
        assertThat(eta0.path("null_mean").asDouble()).isCloseTo(0, within(1e-12));
        JsonNode wl = claims.get(1);
        assertThat(wl.path("metric").asText()).isEqualTo("judge.win_minus_lose_points");
        assertThat(wl.path("per_seed").get(0).asDouble()).isCloseTo(2.0, within(1e-12)); // 0.02 × 100 points
        JsonNode van = claims.get(2);
        assertThat(van.path("name").asText()).startsWith("MetaRM round 2 PPO vs iterated vanilla PPO round 2");
        assertThat(van.path("mean").asDouble()).isCloseTo(0.1, within(1e-12));
        JsonNode acc = claims.get(4);
        assertThat(acc.path("metric").asText()).isEqualTo("rm_on_policy.accuracy_difference");
        assertThat(acc.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(0.06, 0.03);
        assertThat(acc.path("null_ci_low").isNull()).isTrue();
        JsonNode change = claims.get(5);
        // iterated vanilla minus SFT: 0.55 − 0.70 = −0.15, 0.53 − 0.66 = −0.13; null: 0.62 − 0.64, 0.60 − 0.61.
        assertThat(change.path("metric").asText()).isEqualTo("rm_on_policy.accuracy_change");
        assertThat(change.path("mean").asDouble()).isCloseTo(-0.14, within(1e-12));
        assertThat(change.path("null_mean").asDouble()).isCloseTo(-0.015, within(1e-12));

        // One round: nothing is added, so the claims are round 1's as before.
        List<ExperimentClaims.Comparison> none = new ArrayList<>();
        ExperimentRounds.claims(config(1), perSeed, seeds, none, "A/A");
        assertThat(none).isEmpty();
    }

    @Test
    void mechanismTableHasEachSnapshotAndEachRound() {
        List<ObjectNode> perSeed = List.of(seed(1, 0, 0, 0, 0.70, 0.62, 0.64, 0.55, 0.60, 0.66, 0.06),
                seed(2, 0, 0, 0, 0.66, 0.60, 0.61, 0.53, 0.58, 0.61, 0.03));
        JsonNode t = ExperimentRounds.mechanismTable(config(2), perSeed, new long[] {1, 2});
        assertThat(t).extracting(r -> r.path("name").asText()).containsExactly(
                "baseline RM, SFT samples (first snapshot)",
                "baseline RM, PPO(baseline) samples (last snapshot, 1 PPO run)",
                "baseline RM, iterated vanilla PPO round 2 samples (last snapshot, 3 PPO runs)",
                "round 1: MetaRM, round 1's policy samples", "round 1: eta-0 control, same samples", "round 1: MetaRM minus eta-0 (same pairs)",
                "round 2: MetaRM, round 2's policy samples", "round 2: eta-0 control, same samples", "round 2: MetaRM minus eta-0 (same pairs)");
        assertThat(t.get(0).path("mean").asDouble()).isCloseTo(0.68, within(1e-12));
        assertThat(t.get(2).path("mean").asDouble()).isCloseTo(0.54, within(1e-12));
        assertThat(t.get(6).path("mean").asDouble()).isCloseTo(0.635, within(1e-12));
        assertThat(t.get(7).path("mean").asDouble()).isCloseTo(0.59, within(1e-12));
        assertThat(t.get(8).path("mean").asDouble()).isCloseTo(0.045, within(1e-12));
        // s = √(2·0.015²) = 0.0212132, s/√2 = 0.015, t(0.975, 1) = 12.706205.
        assertThat(t.get(8).path("ci_high").asDouble()).isCloseTo(0.045 + 0.015 * 12.706205, within(1e-6));
        assertThat(t.get(5).path("n_seeds").asInt()).isZero(); // no paired figure for round 1 in these seeds
        assertThat(ExperimentRounds.markdown(t)).contains("| round 2: MetaRM minus eta-0 (same pairs) | rm_on_policy.accuracy_difference | +0.0450 [-0.1456, +0.2356] | 2 | +0.0600, +0.0300 |",
                "| round 2: eta-0 control, same samples | rm_on_policy.accuracy | 0.5900 [");
        assertThat(ExperimentRounds.mechanismTable(config(1), perSeed, new long[] {1, 2})).hasSize(5);
    }

    @Test
    void theControlHasNoAscentAtAllAndAnOlderSeedJsonIsOneRound() {
        MetaRm.Config m = new MetaRm.Config(1e-2, 4, 8, 4, 150, MetaRm.Config.defaults().optim(), 2, 64, 1.0, 48, 42, 1e-3, MetaRm.Config.SAMPLING_PPO);
        MetaRm.Config c = ExperimentRounds.control(m, 7);
        assertThat(c.eta()).isZero();
        assertThat(c.ascentNorm()).isZero();
        assertThat(c.seed()).isEqualTo(7);
        assertThat(c.withSeed(42)).isEqualTo(new MetaRm.Config(0, 4, 8, 4, 150, m.optim(), 2, 64, 1.0, 48, 42, 0, MetaRm.Config.SAMPLING_PPO));
        ObjectNode old = Json.MAPPER.createObjectNode();
        old.putObject("stage_seconds").put("ppo_baseline", 3.5);
        assertThat(ExperimentRounds.complete(old, config(1))).isTrue();
        assertThat(ExperimentRounds.complete(old, config(2))).isFalse();
        assertThat(ExperimentRounds.complete(null, config(1))).isFalse();
        assertThat(ExperimentRounds.earlierTimes(old)).containsEntry("ppo_baseline", 3.5);
        old.put("rounds", 2);
        assertThat(ExperimentRounds.complete(old, config(2))).isTrue();
    }
}
