package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.eval.stats.StudentT;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ExperimentClaimsTest {
    @Test
    void studentTQuantilesMatchTheTables() {
        // Two-sided 95% critical values from any t table.
        assertThat(StudentT.quantile(0.975, 1)).isCloseTo(12.7062, within(1e-4));
        assertThat(StudentT.quantile(0.975, 2)).isCloseTo(4.3027, within(1e-4));
        assertThat(StudentT.quantile(0.975, 3)).isCloseTo(3.1824, within(1e-4));
        assertThat(StudentT.quantile(0.975, 4)).isCloseTo(2.7764, within(1e-4));
        assertThat(StudentT.quantile(0.975, 29)).isCloseTo(2.0452, within(1e-4));
        assertThat(StudentT.quantile(0.025, 4)).isCloseTo(-2.7764, within(1e-4));
        assertThat(StudentT.cdf(0, 7)).isCloseTo(0.5, within(1e-12));
        // df = 1 is the Cauchy distribution: P(T ≤ 1) = 1/2 + atan(1)/π = 0.75.
        assertThat(StudentT.cdf(1, 1)).isCloseTo(0.75, within(1e-12));
    }

    @Test
    void claimHasMeanTIntervalPerSeedValuesAndTheAaNull() {
        // Values 1, 2, 3, 4: mean 2.5; s² = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3, s/√4 = 0.645497;
        // t(0.975, 3) = 3.182446, half width 2.054260.
        // A/A values −1, 1: mean 0; s = √2, s/√2 = 1; t(0.975, 1) = 12.706205.
        ObjectNode c = ExperimentClaims.claim(new ExperimentClaims.Comparison("F+M vs baseline", "judge.mean_gold_difference",
                new long[] {1, 2, 3, 4}, new double[] {1, 2, 3, 4}, new double[] {-1, 1, Double.NaN, Double.NaN}, "A/A"));
        assertThat(c.path("name").asText()).isEqualTo("F+M vs baseline");
        assertThat(c.path("metric").asText()).isEqualTo("judge.mean_gold_difference");
        assertThat(c.path("mean").asDouble()).isCloseTo(2.5, within(1e-12));
        assertThat(c.path("ci_low").asDouble()).isCloseTo(2.5 - 2.054260, within(1e-5));
        assertThat(c.path("ci_high").asDouble()).isCloseTo(2.5 + 2.054260, within(1e-5));
        assertThat(c.path("n_seeds").asInt()).isEqualTo(4);
        assertThat(c.path("per_seed")).extracting(JsonNode::asDouble).containsExactly(1.0, 2.0, 3.0, 4.0);
        assertThat(c.path("seeds")).extracting(JsonNode::asLong).containsExactly(1L, 2L, 3L, 4L);
        assertThat(c.path("null_mean").asDouble()).isCloseTo(0, within(1e-12));
        assertThat(c.path("null_ci_low").asDouble()).isCloseTo(-12.706205, within(1e-5));
        assertThat(c.path("null_ci_high").asDouble()).isCloseTo(12.706205, within(1e-5));
        assertThat(c.path("excludes_zero").asBoolean()).isTrue();
    }

    @Test
    void missingSeedsAreNullAndAComparisonWithoutNullSaysSo() {
        // 0.1, NaN, 0.3: two values, mean 0.2, s = √0.02 = 0.141421, s/√2 = 0.1, t(0.975, 1) = 12.706205.
        ObjectNode c = ExperimentClaims.claim(new ExperimentClaims.Comparison("MetaRM − η0", "rm_on_policy.accuracy_difference",
                new long[] {1, 2, 3}, new double[] {0.1, Double.NaN, 0.3}, null, "none"));
        assertThat(c.path("n_seeds").asInt()).isEqualTo(2);
        assertThat(c.path("per_seed").get(1).isNull()).isTrue();
        assertThat(c.path("mean").asDouble()).isCloseTo(0.2, within(1e-12));
        assertThat(c.path("ci_high").asDouble()).isCloseTo(0.2 + 1.2706205, within(1e-5));
        assertThat(c.path("null_ci_low").isNull()).isTrue();
        assertThat(c.path("null_ci_high").isNull()).isTrue();
        assertThat(c.path("null_source").asText()).isEqualTo("none");
        assertThat(c.path("excludes_zero").asBoolean()).isFalse();
        String table = ExperimentClaims.table(ExperimentClaims.claims(List.of(new ExperimentClaims.Comparison("MetaRM − η0",
                "rm_on_policy.accuracy_difference", new long[] {1, 2, 3}, new double[] {0.1, Double.NaN, 0.3}, null, "none"))));
        assertThat(table).contains("| MetaRM − η0 | rm_on_policy.accuracy_difference | +0.2000 [-1.0706, +1.4706] | 2 | - | +0.1000, -, +0.3000 |");
    }
}
