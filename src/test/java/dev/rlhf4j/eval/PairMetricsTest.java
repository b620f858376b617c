package dev.rlhf4j.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PairMetricsTest {
    @Test
    void accuracyLossBrierAndTies() {
        float[] c = {2f, 0f, 1f, 0f};
        float[] r = {0f, 1f, 1f, 3f};
        PairMetrics m = PairMetrics.of(c, r);
        assertThat(m.n()).isEqualTo(4);
        assertThat(m.ties()).isEqualTo(1);
        assertThat(m.accuracy()).isCloseTo((1 + 0 + 0.5 + 0) / 4, within(1e-12));
        double[] d = {2, -1, 0, -3};
        double loss = 0, brier = 0;
        for (double x : d) {
            loss += Math.log(1 + Math.exp(-x));
            double p = 1 / (1 + Math.exp(-x));
            brier += (1 - p) * (1 - p);
        }
        assertThat(m.loss()).isCloseTo(loss / 4, within(1e-9));
        assertThat(m.brier()).isCloseTo(brier / 4, within(1e-9));
        assertThat(m.meanGap()).isCloseTo(-0.5, within(1e-9));
    }

    @Test
    void perfectlyCalibratedConfidentModelHasSmallEce() {
        // Δ = ln 9 gives p = 0.9; 90 of 100 such pairs right means calibration is exact.
        float[] c = new float[100], r = new float[100];
        float d = (float) Math.log(9);
        for (int i = 0; i < 100; i++) {
            c[i] = i < 90 ? d : 0;
            r[i] = i < 90 ? 0 : d;
        }
        PairMetrics m = PairMetrics.of(c, r);
        assertThat(m.accuracy()).isEqualTo(0.9);
        assertThat(m.ece()).isLessThan(1e-6);
        // All at confidence 0.9 but only half right: ECE = 0.4.
        for (int i = 0; i < 100; i++) {
            c[i] = i < 50 ? d : 0;
            r[i] = i < 50 ? 0 : d;
        }
        assertThat(PairMetrics.of(c, r).ece()).isCloseTo(0.4, within(1e-6));
    }
}
