package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.model.ModelParameters;

import java.util.Random;
import dev.rlhf4j.engine.Scalars;

/**
 * SwAV's swapped prediction (the paper's Eq. 7–8) against K trainable prototypes C (K, H), named
 * {@code swav.prototypes}.
 *
 * <p>z = L2-normalised rows of h; scores = z Cᵀ (N, K); p = softmax(scores / τ) per row; the codes q come from
 * Sinkhorn–Knopp on the scores of the same view and are constants (stop-gradient, as in SwAV: they are computed on
 * host copies of the detached scores). The loss is
 * <pre>  L = mean_i [ −Σ_k q_s^{ik} log p_t^{ik} − Σ_k q_t^{ik} log p_s^{ik} ]</pre>
 * i.e. the SUM of the two swapped terms as METHODS.md writes Eq. 8; SwAV's own implementation averages them
 * (half this value), which the weight β absorbs.
 *
 * <p>{@link #afterStep()} renormalises the prototypes' rows to unit length, as SwAV does after each step.
 */
public final class Swav implements ContrastiveObjective {
    public static final String PROTOTYPES = "swav.prototypes";

    private final int k;
    private final double tau;
    private final int sinkhornIters;
    private final double sinkhornEps;
    private final ModelParameters params = new ModelParameters();
    private final NDArray prototypes;

    /**
     * @param hidden        H
     * @param k             number of prototypes K
     * @param tau           temperature of p = softmax(scores / τ)
     * @param sinkhornIters Sinkhorn–Knopp iterations (SwAV: 3)
     * @param sinkhornEps   Sinkhorn–Knopp ε (SwAV: 0.05)
     * @param seed          prototypes are N(0, 1) from {@code new Random(seed)}, then rows L2-normalised
     */
    public Swav(NDManager manager, int hidden, int k, double tau, int sinkhornIters, double sinkhornEps, long seed) {
        if (hidden < 1) throw new IllegalArgumentException("hidden must be ≥ 1, got " + hidden);
        if (k < 2) throw new IllegalArgumentException("k must be ≥ 2, got " + k);
        if (!(tau > 0)) throw new IllegalArgumentException("tau must be > 0, got " + tau);
        if (sinkhornIters < 1) throw new IllegalArgumentException("sinkhornIters must be ≥ 1, got " + sinkhornIters);
        if (!(sinkhornEps > 0)) throw new IllegalArgumentException("sinkhornEps must be > 0, got " + sinkhornEps);
        this.k = k;
        this.tau = tau;
        this.sinkhornIters = sinkhornIters;
        this.sinkhornEps = sinkhornEps;
        Random rnd = new Random(seed);
        float[] init = new float[k * hidden];
        for (int r = 0; r < k; r++) {
            double sq = 0;
            double[] row = new double[hidden];
            for (int c = 0; c < hidden; c++) {
                row[c] = rnd.nextGaussian();
                sq += row[c] * row[c];
            }
            double norm = Math.max(Math.sqrt(sq), SimCse.NORM_EPS);
            for (int c = 0; c < hidden; c++) init[r * hidden + c] = (float) (row[c] / norm);
        }
        prototypes = params.add(PROTOTYPES, manager.create(init, new Shape(k, hidden)));
    }

    @Override
    public NDArray loss(NDArray hs, NDArray ht) {
        SimCse.checkViews(hs, ht);
        NDArray scoresS = scores(hs);
        NDArray scoresT = scores(ht);
        return swapped(scoresS, scoresT, codes(scoresS), codes(scoresT));
    }

    /** z Cᵀ, (N, K); the prototypes are cast to h's data type when they differ (the cast is differentiable). */
    NDArray scores(NDArray h) {
        NDArray c = prototypes.getDataType() == h.getDataType() ? prototypes : prototypes.toType(h.getDataType(), false);
        return SimCse.l2Rows(h).matMul(c.transpose());
    }

    /** Sinkhorn–Knopp codes of detached scores, (N, K), same data type as the scores, no gradient. */
    NDArray codes(NDArray scores) {
        NDArray detached = scores.stopGradient();
        double[] flat = detached.toType(DataType.FLOAT64, false).toDoubleArray();
        int n = (int) scores.getShape().get(0);
        double[][] s = new double[n][k];
        for (int i = 0; i < n; i++) System.arraycopy(flat, i * k, s[i], 0, k);
        double[][] q = sinkhorn(s, sinkhornEps, sinkhornIters);
        double[] out = new double[n * k];
        for (int i = 0; i < n; i++) System.arraycopy(q[i], 0, out, i * k, k);
        return scores.getManager().create(out, new Shape(n, k)).toType(scores.getDataType(), false);
    }

    /** mean_i [ −Σ_k qs log softmax(st/τ) − Σ_k qt log softmax(ss/τ) ], codes taken as constants. */
    NDArray swapped(NDArray scoresS, NDArray scoresT, NDArray codesS, NDArray codesT) {
        NDArray logPs = Scalars.div(scoresS, tau).logSoftmax(1);
        NDArray logPt = Scalars.div(scoresT, tau).logSoftmax(1);
        NDArray perRow = codesS.mul(logPt).sum(new int[] {1}).add(codesT.mul(logPs).sum(new int[] {1}));
        return perRow.neg().mean();
    }

    @Override
    public ModelParameters parameters() {
        return params;
    }

    /** Renormalises every prototype row to unit length, in place and outside autograd. */
    @Override
    public void afterStep() {
        NDArray unit = SimCse.l2Rows(prototypes.stopGradient());
        prototypes.set(new NDIndex(":"), unit);
        unit.close();
    }

    public NDArray prototypes() {
        return prototypes;
    }

    /**
     * Sinkhorn–Knopp as in SwAV's implementation, on host floats (rows = samples, columns = prototypes).
     *
     * @return codes (N, K): non-negative, each row sums to 1; with enough iterations each column sums to N/K
     */
    public static float[][] sinkhorn(float[][] scores, double eps, int iters) {
        double[][] s = new double[scores.length][];
        for (int i = 0; i < s.length; i++) {
            s[i] = new double[scores[i].length];
            for (int j = 0; j < s[i].length; j++) s[i][j] = scores[i][j];
        }
        double[][] q = sinkhorn(s, eps, iters);
        float[][] out = new float[q.length][];
        for (int i = 0; i < q.length; i++) {
            out[i] = new float[q[i].length];
            for (int j = 0; j < q[i].length; j++) out[i][j] = (float) q[i][j];
        }
        return out;
    }

    /**
     * Q = exp(scores / ε)ᵀ (K × N), with the global max of scores / ε subtracted first (Q is renormalised, so the
     * shift cancels); Q /= ΣQ; iters × { rows: Q /= row sums, Q /= K; columns: Q /= column sums, Q /= N };
     * Q *= N; codes = Qᵀ.
     */
    static double[][] sinkhorn(double[][] scores, double eps, int iters) {
        int n = scores.length;
        if (n == 0) return new double[0][];
        int k = scores[0].length;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] row : scores) {
            if (row.length != k) throw new IllegalArgumentException("ragged scores");
            for (double v : row) max = Math.max(max, v / eps);
        }
        double[][] q = new double[k][n]; // Q is K × N
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                q[j][i] = Math.exp(scores[i][j] / eps - max);
                total += q[j][i];
            }
        }
        scale(q, 1 / total);
        for (int it = 0; it < iters; it++) {
            for (int j = 0; j < k; j++) { // each prototype gets total mass 1/K
                double rs = 0;
                for (int i = 0; i < n; i++) rs += q[j][i];
                double f = rs > 0 ? 1.0 / (rs * k) : 0;
                for (int i = 0; i < n; i++) q[j][i] *= f;
            }
            for (int i = 0; i < n; i++) { // each sample gets total mass 1/N
                double cs = 0;
                for (int j = 0; j < k; j++) cs += q[j][i];
                double f = cs > 0 ? 1.0 / (cs * n) : 0;
                for (int j = 0; j < k; j++) q[j][i] *= f;
            }
        }
        double[][] codes = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) codes[i][j] = q[j][i] * n;
        }
        return codes;
    }

    private static void scale(double[][] a, double f) {
        for (double[] row : a) for (int i = 0; i < row.length; i++) row[i] *= f;
    }
}
