package dev.rlhf4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class EvalReportTest {
    /** Pairs whose gold rewards are given per pair; gold_chosen == gold_rejected makes a gold tie. */
    private static List<PreferencePair> pairs(double[] goldChosen, double[] goldRejected) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < goldChosen.length; i++) {
            ObjectNode r = Json.MAPPER.createObjectNode();
            r.put("gold_chosen", goldChosen[i]);
            r.put("gold_rejected", goldRejected[i]);
            out.add(new PreferencePair("p" + i, List.of(Turn.user("q" + i)), "c" + i, "r" + i, r, "f.jsonl", i + 1));
        }
        return out;
    }

    @Test
    void comparisonOnGivenAndGoldLabels() {
        // Pair 1's label disagrees with gold; pair 3 is a gold tie, left out against gold.
        List<PreferencePair> p = pairs(new double[] {1, 0, 1, 2}, new double[] {0, 1, 0, 2});
        float[][] a = {{1, 0, 1, 1}, {0, 1, 0, 0}}; // given-label verdicts: right, wrong, right, right
        float[][] b = {{1, 1, 0, 0}, {0, 0, 1, 1}}; // right, right, wrong, wrong
        JsonNode c = EvalReport.comparison(p, a, b, true);
        assertThat(c.path("given").path("accuracy_difference").asDouble()).isCloseTo((3 - 2) / 4.0, within(1e-12));
        // Against gold (pairs 0-2): A right, right, right; B right, wrong, wrong.
        JsonNode g = c.path("against_gold");
        assertThat(g.path("n").asInt()).isEqualTo(3);
        assertThat(g.path("accuracy_difference").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(g.path("only_this_right").asInt()).isEqualTo(2);
        // The same orientation as goldMetrics: A's accuracy against gold is 1.
        JsonNode ga = EvalReport.goldMetrics(p, a[0], a[1]);
        assertThat(ga.path("against_gold").path("accuracy").asDouble()).isEqualTo(1.0);
        assertThat(ga.path("gold_ties_excluded").asInt()).isEqualTo(1);
        assertThat(ga.path("label_agrees_with_gold").asDouble()).isCloseTo(2 / 3.0, within(1e-12));
    }

    @Test
    void comparisonWithoutGoldHasOnlyTheGivenLabels() {
        List<PreferencePair> p = pairs(new double[] {1}, new double[] {0});
        JsonNode c = EvalReport.comparison(p, new float[][] {{1}, {0}}, new float[][] {{0}, {1}}, false);
        assertThat(c.has("against_gold")).isFalse();
        assertThat(c.path("given").path("accuracy_difference").asDouble()).isEqualTo(1.0);
    }
}
