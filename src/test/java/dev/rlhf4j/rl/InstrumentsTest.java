package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.eval.stats.ClusterBootstrap;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Best-of-n curves and RM accuracy on policy samples from hand-made scores; every figure worked out beside it. */
class InstrumentsTest {
    private static final ClusterBootstrap BOOT = new ClusterBootstrap(500, 1);

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void bestOfNCurvesOnTwoPrompts() {
        // Prompt 0: gold 1 and 3, the RM prefers the worse (0.2 > 0.1). Prompt 1: gold 0 and 2, the RM prefers the better.
        double[][] gold = {{1, 3}, {0, 2}};
        List<BestOfNCurves.Scores> sel = List.of(new BestOfNCurves.Scores("rm", new double[][] {{0.2, 0.1}, {0, 1}}),
                new BestOfNCurves.Scores("gold", gold));
        ObjectNode r = BestOfNCurves.curves(List.of("p0", "p1"), List.of(List.of("a", "b"), List.of("c", "d")), gold, sel,
                new int[] {1, 2}, BOOT);
        assertThat(r.path("kl_bon").get(1).asDouble()).isCloseTo(Math.log(2) - 0.5, within(1e-12));
        JsonNode rm = r.path("curves").get(0).path("points"), oracle = r.path("curves").get(1).path("points");
        // n = 1: the mean gold of the samples, (2 + 1)/2, whoever selects.
        assertThat(rm.get(0).path("gold").path("estimate").asDouble()).isCloseTo(1.5, within(1e-12));
        assertThat(oracle.get(0).path("gold").path("estimate").asDouble()).isCloseTo(1.5, within(1e-12));
        // n = 2: the RM picks gold 1 and 2 → 1.5; its own score of the picks (0.2 + 1)/2 = 0.6; the oracle (3 + 2)/2 = 2.5.
        assertThat(rm.get(1).path("gold").path("estimate").asDouble()).isCloseTo(1.5, within(1e-12));
        assertThat(rm.get(1).path("proxy").path("estimate").asDouble()).isCloseTo(0.6, within(1e-12));
        assertThat(oracle.get(1).path("gold").path("estimate").asDouble()).isCloseTo(2.5, within(1e-12));
        // At n = 1 the selectors cannot differ: the difference is exactly 0 and the paired test finds nothing (p = 1).
        assertThat(oracle.get(0).path("gold_minus_first").path("estimate").asDouble()).isEqualTo(0.0);
        assertThat(oracle.get(0).path("gold_minus_first").path("p_bootstrap").asDouble()).isEqualTo(1.0);
        // The oracle minus the RM on the same prompts: 2 and 0 → 1, an interval over two prompts of [0, 2].
        JsonNode d = oracle.get(1).path("gold_minus_first");
        assertThat(d.path("estimate").asDouble()).isCloseTo(1.0, within(1e-12));
        assertThat(d.path("ci_low").asDouble()).isZero();
        assertThat(d.path("ci_high").asDouble()).isEqualTo(2.0);
        assertThat(BestOfNCurves.table(r)).contains("KL_bon").contains("+1.5000").contains("+2.5000");
    }

    @Test
    void rewardModelAccuracyOnPolicySamples() {
        // Prompt 0: gold 0, 1, 2; the RM 0, 2, 1 orders (0,1) and (0,2) right, (1,2) wrong. Prompt 1: gold 1, 1, 0
        // (one tie, left out); the RM 5, 4, 3 orders (0,2) and (1,2) right. Accuracy 4/5.
        double[][] gold = {{0, 1, 2}, {1, 1, 0}};
        double[][] rm = {{0, 2, 1}, {5, 4, 3}};
        ObjectNode r = RmOnPolicy.measure(gold, List.of(new BestOfNCurves.Scores("rm", rm), new BestOfNCurves.Scores("gold", gold)), BOOT);
        assertThat(r.path("pairs").asInt()).isEqualTo(5);
        assertThat(r.path("gold_tied_pairs").asInt()).isEqualTo(1);
        JsonNode m = r.path("reward_models").get(0);
        assertThat(m.path("accuracy").path("estimate").asDouble()).isCloseTo(0.8, within(1e-12));
        // τ-b: prompt 0 (2 − 1)/3; prompt 1: 2 concordant of 3 pairs, one tied in gold: 2/√(3·2).
        assertThat(m.path("kendall_tau").path("estimate").asDouble()).isCloseTo((1.0 / 3 + 2 / Math.sqrt(6)) / 2, within(1e-12));
        // J: both prompts have reward gaps 2, 1, 1: (2/9)(σ(2) + 2σ(1)).
        assertThat(m.path("difference_loss_j").path("estimate").asDouble())
                .isCloseTo(2.0 / 9 * (sigmoid(2) + 2 * sigmoid(1)), within(1e-12));
        // Gaps 1, 2, 1, 1, 1: every quartile is 1, so the bands are |Δ gold| ≤ 1 (4 pairs, 3 right) and > 1 (1 pair, right).
        assertThat(r.path("band_edges")).hasSize(1);
        JsonNode bands = m.path("by_gold_gap");
        assertThat(bands.get(0).path("pairs").asInt()).isEqualTo(4);
        assertThat(bands.get(0).path("accuracy").path("estimate").asDouble()).isCloseTo(0.75, within(1e-12));
        assertThat(bands.get(1).path("pairs").asInt()).isEqualTo(1);
        assertThat(bands.get(1).path("up_to").isNull()).isTrue();
        // Gold itself is always right: accuracy 1, τ 1, and 1 − 0.8 = 0.2 on the same pairs.
        assertThat(r.path("reward_models").get(1).path("accuracy").path("estimate").asDouble()).isEqualTo(1.0);
        assertThat(r.path("reward_models").get(1).path("kendall_tau").path("estimate").asDouble()).isCloseTo(1.0, within(1e-12));
        assertThat(r.path("paired").get(0).path("accuracy_difference").path("estimate").asDouble()).isCloseTo(0.2, within(1e-12));
        assertThat(RmOnPolicy.table(r)).contains("0.8000").contains("+0.2000");
    }

    @Test
    void distinctPromptsAndTheByPromptView() {
        assertThat(PolicySamples.distinct(List.of("a", "b", "a"))).containsExactly("a", "b");
        assertThat(PolicySamples.byPrompt(List.of(List.of("a0", "b0"), List.of("a1", "b1"))))
                .containsExactly(List.of("a0", "a1"), List.of("b0", "b1"));
    }
}
