package dev.rlhf4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.train.loss.PairTargets;
import dev.rlhf4j.train.loss.PairwiseLoss;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Each loss against its formula, evaluated in double precision by hand. */
class LossesTest {
    static NDManager m;

    @BeforeAll
    static void start() {
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    static double nls(double z) { // −log σ(z)
        return Math.log1p(Math.exp(-z));
    }

    final float[] c = {1.5f, -0.5f, 30f, -40f};
    final float[] r = {0.5f, 0.5f, 0f, 0f};
    final float[] margin = {0.25f, -0.5f, 1f, 2f};
    final float[] alpha = {0.1f, 0f, 0.3f, 0.1f};

    float[] eval(String name, double defaultAlpha, boolean withMargin, boolean withAlpha) {
        PairwiseLoss loss = PairwiseLoss.byName(name, defaultAlpha);
        PairTargets t = new PairTargets(withMargin ? m.create(margin) : null, withAlpha ? m.create(alpha) : null);
        return loss.perPair(m.create(c), m.create(r), t).toFloatArray();
    }

    @Test
    void bradleyTerryIsSoftplusOfNegativeGapAndStaysFinite() {
        float[] l = eval("bt", 0, false, false);
        for (int i = 0; i < c.length; i++) assertThat((double) l[i]).isCloseTo(nls(c[i] - r[i]), within(1e-5));
        assertThat(l[3]).isCloseTo(40f, within(1e-4f)); // would overflow as log(sigmoid(-40)) in float
    }

    @Test
    void marginSubtractsThePairsMargin() {
        float[] l = eval("margin", 0, true, false);
        for (int i = 0; i < c.length; i++) assertThat((double) l[i]).isCloseTo(nls(c[i] - r[i] - margin[i]), within(1e-5));
    }

    @Test
    void labelSmoothingUsesDefaultOrPerPairAlpha() {
        float[] l = eval("smooth", 0.2, false, false);
        float[] lp = eval("smooth", 0.2, false, true);
        for (int i = 0; i < c.length; i++) {
            double d = c[i] - r[i];
            assertThat((double) l[i]).isCloseTo(0.8 * nls(d) + 0.2 * nls(-d), within(1e-4));
            assertThat((double) lp[i]).isCloseTo((1 - alpha[i]) * nls(d) + alpha[i] * nls(-d), within(1e-4));
        }
    }

    @Test
    void smoothMarginCombinesBoth() {
        float[] l = eval("smooth+margin", 0.1, true, true);
        for (int i = 0; i < c.length; i++) {
            double z = c[i] - r[i] - margin[i];
            assertThat((double) l[i]).isCloseTo((1 - alpha[i]) * nls(z) + alpha[i] * nls(-z), within(1e-4));
        }
    }

    @Test
    void unknownLossIsAClearError() {
        assertThatThrownBy(() -> PairwiseLoss.byName("hinge", 0)).hasMessageContaining("bt, margin, smooth or smooth+margin");
    }
}
