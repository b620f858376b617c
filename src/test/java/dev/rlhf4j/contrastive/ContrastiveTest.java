package dev.rlhf4j.contrastive;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** SimCSE and SwAV (METHODS.md §4) against hand arithmetic, Sinkhorn–Knopp's marginals, and finite differences. */
class ContrastiveTest {

    // ---------------------------------------------------------------- SimCSE

    /**
     * hs = {(1,0), (0,1), (1,1)}, ht = {(1,0.1), (0.2,1), (1,0.9)}, τ = 0.1.
     * Unit rows: ĥs = {(1,0), (0,1), (1,1)/√2}; ĥt = {(1,0.1)/√1.01, (0.2,1)/√1.04, (1,0.9)/√1.81}.
     * S = ĥs ĥtᵀ / τ ≈ [[9.950372, 1.961161, 7.432941],
     *                   [0.995037, 9.805807, 6.689647],
     *                   [7.739573, 8.320503, 9.986178]]
     * ℓ_i = log Σ_j exp(S_ij) − S_ii ≈ {0.077892, 0.043516, 0.258372}; L = mean ≈ 0.126593.
     */
    @Test
    void simCseMatchesHandArithmetic() {
        double[][] hs = {{1, 0}, {0, 1}, {1, 1}};
        double[][] ht = {{1, 0.1}, {0.2, 1}, {1, 0.9}};
        double tau = 0.1;
        double expected = 0;
        for (int i = 0; i < 3; i++) {
            double[] s = new double[3];
            double lse = 0;
            for (int j = 0; j < 3; j++) {
                s[j] = cos(hs[i], ht[j]) / tau;
                lse += Math.exp(s[j]);
            }
            expected += (Math.log(lse) - s[i]) / 3;
        }
        assertThat(expected).isCloseTo(0.1265931569, within(1e-9)); // the figure in the comment above
        try (NDManager m = NDManager.newBaseManager()) {
            float loss = new SimCse(tau).loss(m.create(toFloat(hs)), m.create(toFloat(ht))).getFloat();
            assertThat((double) loss).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void simCseIsInvariantToScalingARow() {
        double[][] hs = {{1, 0}, {0, 1}, {1, 1}};
        double[][] ht = {{1, 0.1}, {0.2, 1}, {1, 0.9}};
        double[][] hs2 = {{1, 0}, {0, 7}, {1, 1}};
        double[][] ht2 = {{1, 0.1}, {0.2, 1}, {0.01, 0.009}};
        try (NDManager m = NDManager.newBaseManager()) {
            SimCse cl = new SimCse(0.05);
            float a = cl.loss(m.create(toFloat(hs)), m.create(toFloat(ht))).getFloat();
            float b = cl.loss(m.create(toFloat(hs2)), m.create(toFloat(ht2))).getFloat();
            assertThat(b).isCloseTo(a, within(1e-5f));
            assertThat(cl.parameters().asMap()).isEmpty();
        }
    }

    @Test
    void simCseZeroRowStaysFinite() {
        try (NDManager m = NDManager.newBaseManager()) {
            float l = new SimCse(0.1).loss(m.create(new float[][] {{0, 0}, {1, 2}}), m.create(new float[][] {{1, 0}, {0, 1}}))
                    .getFloat();
            assertThat(Float.isFinite(l)).isTrue();
        }
    }

    // ---------------------------------------------------------------- Sinkhorn–Knopp

    /** Cosine-like scores in [−1, 1], plus {@code bias} on prototype 0 (which then takes more than its share). */
    static float[][] randomScores(int n, int k, long seed, float bias) {
        Random r = new Random(seed);
        float[][] s = new float[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) s[i][j] = (float) (2 * r.nextDouble() - 1) + (j == 0 ? bias : 0f);
        }
        return s;
    }

    @Test
    void sinkhornCodesHaveUniformMarginals() {
        int n = 32, k = 8;
        // At SwAV's ε = 0.05 the exponents span 40 and convergence is linear but slow: on these scores the worst
        // column is still 0.008 off N/K after 50 iterations, 1e-7 after 200.
        float[][] q = Swav.sinkhorn(randomScores(n, k, 1, 0f), 0.05, 200);
        assertThat(q).hasNumberOfRows(n);
        double[] col = new double[k];
        for (float[] row : q) {
            assertThat(row).hasSize(k);
            double rs = 0;
            for (int j = 0; j < k; j++) {
                assertThat(row[j]).isGreaterThanOrEqualTo(0f);
                rs += row[j];
                col[j] += row[j];
            }
            assertThat(rs).isCloseTo(1.0, within(1e-5));
        }
        for (double c : col) assertThat(c).isCloseTo((double) n / k, within(1e-3));
    }

    @Test
    void threeSinkhornIterationsBalanceBetterThanSoftmax() {
        int n = 32, k = 8;
        double eps = 0.05;
        float[][] s = randomScores(n, k, 2, 0.3f);
        float[][] q = Swav.sinkhorn(s, eps, 3);
        double[] colQ = new double[k], colP = new double[k];
        for (int i = 0; i < n; i++) {
            double z = 0;
            for (int j = 0; j < k; j++) z += Math.exp(s[i][j] / eps);
            for (int j = 0; j < k; j++) {
                colP[j] += Math.exp(s[i][j] / eps) / z;
                colQ[j] += q[i][j];
            }
        }
        double devQ = 0, devP = 0;
        for (int j = 0; j < k; j++) {
            devQ = Math.max(devQ, Math.abs(colQ[j] - (double) n / k));
            devP = Math.max(devP, Math.abs(colP[j] - (double) n / k));
        }
        assertThat(devQ).isLessThan(devP);
    }

    @Test
    void sinkhornIsSafeForSmallEpsilon() {
        float[][] q = Swav.sinkhorn(new float[][] {{50, -50}, {-50, 50}, {49, 48}}, 1e-3, 3);
        for (float[] row : q) for (float v : row) assertThat(Float.isFinite(v)).isTrue();
    }

    // ---------------------------------------------------------------- finite-difference gradient checks

    /** Fixed inputs (N, 4) of a tiny model h = x Wᵀ, W (3, 4). */
    static double[][] inputs(int n, long seed) {
        Random r = new Random(seed);
        double[][] x = new double[n][4];
        for (double[] row : x) for (int j = 0; j < 4; j++) row[j] = r.nextGaussian();
        return x;
    }

    static final double[] W0 = {0.5, -0.3, 0.8, 0.1, -0.2, 0.7, 0.4, -0.6, 0.9, 0.2, -0.5, 0.3};

    /**
     * Compares dL/dW from autograd (float64) with central differences (step 1e-3, float64, no autograd):
     * |analytic − numeric| ≤ max(1e-4, 1e-2·|numeric|) for each of W's 12 entries.
     *
     * @param loss (manager, W) → scalar loss, evaluated with W's own data type
     */
    static void checkGradient(NDManager m, Function<NDArray, NDArray> loss) {
        NDArray w = m.create(W0, new Shape(3, 4));
        w.setRequiresGradient(true);
        double[] analytic;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.apply(w);
            gc.backward(l);
        }
        analytic = w.getGradient().toDoubleArray();
        double h = 1e-3;
        for (int e = 0; e < W0.length; e++) {
            double[] plus = W0.clone(), minus = W0.clone();
            plus[e] += h;
            minus[e] -= h;
            double lp = loss.apply(m.create(plus, new Shape(3, 4))).getDouble();
            double lm = loss.apply(m.create(minus, new Shape(3, 4))).getDouble();
            double numeric = (lp - lm) / (2 * h);
            assertThat(analytic[e]).as("dL/dW[%d]", e).isCloseTo(numeric, within(Math.max(1e-4, 1e-2 * Math.abs(numeric))));
        }
        assertThat(maxAbs(analytic)).isGreaterThan(1e-3); // the check is not vacuous
    }

    /** hs from view s's inputs, ht from view t's (different fixed inputs, as two dropout views would be). */
    static NDArray[] views(NDManager m, NDArray w, String contrast) {
        int b = 3;
        DataType t = w.getDataType();
        NDArray cs = m.create(inputs(b, 10)).toType(t, false).matMul(w.transpose());
        NDArray rs = m.create(inputs(b, 11)).toType(t, false).matMul(w.transpose());
        NDArray ct = m.create(inputs(b, 12)).toType(t, false).matMul(w.transpose());
        NDArray rt = m.create(inputs(b, 13)).toType(t, false).matMul(w.transpose());
        return new NDArray[] {Representations.views(cs, rs, contrast), Representations.views(ct, rt, contrast)};
    }

    @Test
    void simCseGradientMatchesFiniteDifferencesOnPairs() {
        try (NDManager m = NDManager.newBaseManager()) {
            SimCse cl = new SimCse(0.1);
            checkGradient(m, w -> {
                NDArray[] v = views(m, w, "pairs");
                return cl.loss(v[0], v[1]);
            });
        }
    }

    @Test
    void simCseGradientMatchesFiniteDifferencesOnDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            SimCse cl = new SimCse(0.1);
            checkGradient(m, w -> {
                NDArray[] v = views(m, w, "difference");
                return cl.loss(v[0], v[1]);
            });
        }
    }

    /**
     * SwAV's codes are a stop-gradient target, so autograd's dL/dW treats them as constants, while a plain finite
     * difference of {@code loss} would also move the codes (Sinkhorn reruns on the perturbed scores). The numeric
     * side therefore evaluates the swapped loss with the codes computed ONCE from the unperturbed W: that function
     * has exactly the gradient autograd computes at W0.
     */
    @Test
    void swavGradientMatchesFiniteDifferencesWithCodesHeldFixed() {
        for (String contrast : new String[] {"pairs", "difference"}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Swav swav = new Swav(m, 3, 5, 0.1, 3, 0.05, 7);
                NDArray[] v0 = views(m, m.create(W0, new Shape(3, 4)), contrast);
                NDArray qs = swav.codes(swav.scores(v0[0]));
                NDArray qt = swav.codes(swav.scores(v0[1]));
                assertThat(qs.getDataType()).isEqualTo(DataType.FLOAT64);
                boolean[] first = {true};
                checkGradient(m, w -> {
                    NDArray[] v = views(m, w, contrast);
                    if (first[0]) { // the autograd pass goes through the public loss (codes computed inside)
                        first[0] = false;
                        return swav.loss(v[0], v[1]);
                    }
                    return swav.swapped(swav.scores(v[0]), swav.scores(v[1]), qs, qt);
                });
            }
        }
    }

    @Test
    void swavPrototypesReceiveAGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            Swav swav = new Swav(m, 3, 5, 0.1, 3, 0.05, 7);
            swav.parameters().requireGradients(true);
            NDArray[] v = views(m, m.create(W0, new Shape(3, 4)).toType(DataType.FLOAT32, false), "pairs");
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(swav.loss(v[0], v[1]));
            }
            assertThat(swav.parameters().asMap()).containsOnlyKeys(Swav.PROTOTYPES);
            assertThat(maxAbs(swav.prototypes().getGradient().toType(DataType.FLOAT64, false).toDoubleArray()))
                    .isGreaterThan(1e-4);
        }
    }

    // ---------------------------------------------------------------- prototypes

    @Test
    void prototypesStartAtUnitNormAndAfterStepRestoresIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            Swav swav = new Swav(m, 6, 4, 0.1, 3, 0.05, 42);
            assertUnitRows(swav.prototypes());
            assertThat(new Swav(m, 6, 4, 0.1, 3, 0.05, 42).prototypes().toFloatArray())
                    .containsExactly(swav.prototypes().toFloatArray()); // seeded
            NDArray c = swav.prototypes();
            swav.parameters().requireGradients(true); // as in training
            c.muli(m.create(new float[] {3f, 0.1f, 1f, 20f}).reshape(4, 1)).addi(0.25f); // a step's drift
            swav.afterStep();
            assertThat(swav.prototypes()).isSameAs(c); // in place: the optimizer's reference stays valid
            assertUnitRows(swav.prototypes());
            assertThat(c.hasGradient()).isTrue();
        }
    }

    static void assertUnitRows(NDArray c) {
        float[] v = c.toFloatArray();
        int h = (int) c.getShape().get(1);
        for (int r = 0; r < c.getShape().get(0); r++) {
            double sq = 0;
            for (int j = 0; j < h; j++) sq += v[r * h + j] * v[r * h + j];
            assertThat(Math.sqrt(sq)).as("row %d", r).isCloseTo(1.0, within(1e-5));
        }
    }

    // ---------------------------------------------------------------- views and factory

    @Test
    void representationsBuildPairsAndDifferences() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray c = m.create(new float[][] {{1, 2}, {3, 4}});
            NDArray r = m.create(new float[][] {{0, 1}, {5, 1}});
            assertThat(Representations.views(c, r, "pairs").toFloatArray()).containsExactly(1, 2, 3, 4, 0, 1, 5, 1);
            assertThat(Representations.views(c, r, "difference").toFloatArray()).containsExactly(1, 1, -2, 3, -1, -1, 2, -3);
            assertThatThrownBy(() -> Representations.views(c, r, "triplets")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void factoryPicksTheConfiguredMethod() {
        try (NDManager m = NDManager.newBaseManager()) {
            ContrastiveObjective s = ContrastiveObjectives.create(
                    new ContrastiveConfig("simcse", "pairs", 1, 0.05, 0.05, 50, 3, 0.05), m, 8, 1);
            assertThat(s).isInstanceOf(SimCse.class);
            ContrastiveObjective w = ContrastiveObjectives.create(
                    new ContrastiveConfig("swav", "difference", 0.5, 0.1, 0.05, 20, 3, 0.05), m, 8, 1);
            assertThat(w).isInstanceOf(Swav.class);
            assertThat(w.parameters().get(Swav.PROTOTYPES).getShape()).isEqualTo(new Shape(20, 8));
        }
    }

    // ---------------------------------------------------------------- helpers

    static double cos(double[] a, double[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    static float[][] toFloat(double[][] a) {
        float[][] f = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            f[i] = new float[a[i].length];
            for (int j = 0; j < a[i].length; j++) f[i][j] = (float) a[i][j];
        }
        return f;
    }

    static double maxAbs(double[] a) {
        double mx = 0;
        for (double v : a) mx = Math.max(mx, Math.abs(v));
        return mx;
    }
}
