package dev.rlhf4j.eval;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TemperatureScalingTest {

    /**
     * Pairs whose label is drawn with the known temperature: the model's difference is Δ, and the labelled side is
     * the one it favours with probability σ(Δ / T). The rewards returned are oriented by the label.
     */
    private static float[][] pairsDrawnWith(double temperature, int n, long seed) {
        Random rnd = new Random(seed);
        float[] c = new float[n], r = new float[n];
        for (int i = 0; i < n; i++) {
            double d = 0.5 + 3 * rnd.nextGaussian();
            boolean keep = rnd.nextDouble() < 1 / (1 + Math.exp(-d / temperature));
            float base = (float) rnd.nextGaussian();
            c[i] = base + (float) (keep ? d : -d);
            r[i] = base;
        }
        return new float[][] {c, r};
    }

    @Test
    void recoversTheTemperaturePairsWereDrawnWith() {
        for (double t : List.of(0.5, 1.0, 1.7, 4.0)) {
            float[][] s = pairsDrawnWith(t, 100_000, 7);
            TemperatureScaling.Fit fit = TemperatureScaling.fit(s[0], s[1]);
            assertThat(fit.temperature()).as("T = " + t).isCloseTo(t, within(0.02 * t));
            assertThat(fit.n()).isEqualTo(100_000);
            assertThat(fit.logLossAfter()).isLessThanOrEqualTo(fit.logLossBefore());
            assertThat(fit.iterations()).isLessThan(TemperatureScaling.MAX_ITERATIONS);
        }
    }

    @Test
    void theFitIsTheExactMinimumOfTheLogLoss() {
        float[][] s = pairsDrawnWith(2.5, 3000, 11);
        double[] d = new double[s[0].length];
        for (int i = 0; i < d.length; i++) d[i] = (double) s[0][i] - s[1][i];
        TemperatureScaling.Fit fit = TemperatureScaling.fit(d);
        double best = 1 / fit.temperature();
        // The derivative in s = 1/T vanishes there, and the loss is higher on both sides.
        assertThat(TemperatureScaling.derivative(d, best)).isCloseTo(0, within(1e-12));
        assertThat(TemperatureScaling.logLoss(d, best * 1.001)).isGreaterThan(fit.logLossAfter());
        assertThat(TemperatureScaling.logLoss(d, best * 0.999)).isGreaterThan(fit.logLossAfter());
        assertThat(fit.logLossAfter()).isCloseTo(TemperatureScaling.logLoss(d, best), within(1e-15));
        assertThat(fit.logLossBefore()).isCloseTo(TemperatureScaling.logLoss(d, 1), within(1e-15));
    }

    @Test
    void scalingKeepsAccuracyAndLowersTheCalibrationErrorOfAnOverconfidentModel() {
        // Drawn at T = 3 but read at T = 1: overconfident, as margin losses make a model.
        float[][] s = pairsDrawnWith(3, 5000, 3);
        TemperatureScaling.Calibrated c = TemperatureScaling.calibrate(s[0], s[1]);
        assertThat(c.fit().temperature()).isCloseTo(3, within(0.3));
        assertThat(c.after().accuracy()).isEqualTo(c.before().accuracy());
        assertThat(c.before().ece()).isGreaterThan(0.1);
        assertThat(c.after().ece()).isLessThan(0.03);
        assertThat(c.after().brier()).isLessThan(c.before().brier());
        assertThat(c.after().loss()).isCloseTo(c.fit().logLossAfter(), within(1e-6));
        var block = c.toBlock(null);
        assertThat(block.path("temperature").asDouble()).isEqualTo(c.fit().temperature());
        assertThat(block.path("ece_before").asDouble()).isEqualTo(c.before().ece());
        assertThat(c.line()).contains("fitted on 5000 pairs");
    }

    @Test
    void refusesDataWithoutAFiniteMinimum() {
        // Every pair right with growing margins: the loss keeps falling as T → 0.
        assertThatThrownBy(() -> TemperatureScaling.fit(new double[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no minimum at a positive temperature");
        // No better than chance: the best "temperature" would be negative.
        assertThatThrownBy(() -> TemperatureScaling.fit(new double[] {1, -2, 0.5}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("better than chance");
        assertThatThrownBy(() -> TemperatureScaling.fit(new double[] {0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("better than chance");
        assertThatThrownBy(() -> TemperatureScaling.fit(new double[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TemperatureScaling.fit(new double[] {1, Double.NaN}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not finite");
    }

    @Test
    void oneWrongPairIsEnoughForAFiniteFit() {
        // L'(s) = −(2σ(−2s) − σ(s)) / 2 = 0 where 2σ(−2s) = σ(s); the fit solves it.
        TemperatureScaling.Fit fit = TemperatureScaling.fit(new double[] {2, -1});
        double s = 1 / fit.temperature();
        assertThat(2 * TemperatureScaling.sigmoid(-2 * s)).isCloseTo(TemperatureScaling.sigmoid(s), within(1e-12));
    }

    @Test
    void theReliabilityTableAddsUpToTheEce() {
        float[][] s = pairsDrawnWith(2, 2000, 5);
        PairMetrics m = PairMetrics.of(s[0], s[1]);
        List<PairMetrics.Bin> bins = PairMetrics.reliability(s[0], s[1]);
        assertThat(bins).hasSize(PairMetrics.ECE_BINS);
        int total = 0;
        double ece = 0;
        for (PairMetrics.Bin b : bins) {
            total += b.count();
            if (b.count() > 0) {
                assertThat(b.meanPredicted()).isBetween(b.lower(), b.upper());
                ece += b.count() * Math.abs(b.observed() - b.meanPredicted()) / 2000;
            }
        }
        assertThat(total).isEqualTo(2000);
        assertThat(ece).isCloseTo(m.ece(), within(1e-12));
        assertThat(bins.get(0).lower()).isEqualTo(0.5);
        assertThat(bins.get(9).upper()).isCloseTo(1.0, within(1e-12));
        var json = PairMetrics.reliabilityJson(s[0], s[1]);
        assertThat(json.size()).isEqualTo(10);
        assertThat(json.get(0).has("mean_predicted") && json.get(0).has("observed") && json.get(0).has("count")).isTrue();
    }
}
