package dev.rlhf4j.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PairedDifferenceTest {
    @Test
    void differenceDiscordantCountsAndPairedInterval() {
        // A right on pairs 0,1,2,3; B right on 0,1,4; pair 5 a tie for A (half credit), wrong for B.
        float[][] a = {{1, 1, 1, 1, 0, 0}, {0, 0, 0, 0, 1, 0}};
        float[][] b = {{1, 1, 0, 0, 1, 0}, {0, 0, 1, 1, 0, 1}};
        PairedDifference d = PairedDifference.of(a, b);
        double[] per = {0, 0, 1, 1, -1, 0.5};
        double mean = 1.5 / 6, ss = 0;
        for (double x : per) ss += (x - mean) * (x - mean);
        assertThat(d.n()).isEqualTo(6);
        assertThat(d.diff()).isCloseTo(mean, within(1e-12));
        assertThat(d.diff()).isCloseTo(PairMetrics.of(a[0], a[1]).accuracy() - PairMetrics.of(b[0], b[1]).accuracy(), within(1e-12));
        assertThat(d.ci95()).isCloseTo(1.96 * Math.sqrt(ss / 5 / 6), within(1e-12));
        assertThat(d.onlyA()).isEqualTo(2);
        assertThat(d.onlyB()).isEqualTo(1);
    }

    @Test
    void identicalJudgementsHaveNoDifferenceAndNoWidth() {
        float[][] a = {{2, 0, 1}, {1, 1, 0}};
        PairedDifference d = PairedDifference.of(a, a);
        assertThat(d.diff()).isZero();
        assertThat(d.ci95()).isZero();
    }

    @Test
    void pairCountsMustMatch() {
        assertThatThrownBy(() -> PairedDifference.of(new float[][] {{1}, {0}}, new float[][] {{1, 1}, {0, 0}}))
                .hasMessageContaining("1 and 2 pairs");
    }
}
