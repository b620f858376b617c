package dev.rlhf4j.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Temperature scaling of pairwise rewards: one T such that σ((r_c − r_r) / T) is the probability that
 * the chosen response is preferred, fitted by minimising the mean log-loss over held-out pairs.
 *
 * <p>In s = 1/T the loss L(s) = mean log(1 + exp(−s·Δᵢ)) is convex (L'' = mean Δᵢ² σ(sΔᵢ) σ(−sΔᵢ) ≥ 0),
 * so its minimum is the one root of L'(s) = −mean Δᵢ σ(−sΔᵢ). It is found exactly (to rounding) by Newton's
 * method safeguarded by a bracket of that root, with no learning rate. Dividing every reward by T &gt; 0
 * keeps the order of all responses, so accuracy and every ranking stay as they were.
 */
public final class TemperatureScaling {
    /** Newton/bisection steps allowed; the root is normally found in under 20. */
    static final int MAX_ITERATIONS = 200;
    /** Largest 1/T tried, in units of 1 / max|Δ|: beyond it the pairs count as perfectly separated. */
    private static final double MAX_SCALE = 1e6;

    private TemperatureScaling() {}

    /**
     * A fitted temperature.
     *
     * @param temperature   T &gt; 0; rewards are divided by it
     * @param n             pairs it was fitted on (ties included; they do not move T)
     * @param logLossBefore mean −log σ(Δ) of the pairs at T = 1
     * @param logLossAfter  mean −log σ(Δ / T), the minimum
     * @param iterations    solver steps taken
     */
    public record Fit(double temperature, int n, double logLossBefore, double logLossAfter, int iterations) {
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("temperature", temperature);
            o.put("pairs", n);
            o.put("log_loss_before", logLossBefore);
            o.put("log_loss_after", logLossAfter);
            o.put("iterations", iterations);
            return o;
        }
    }

    /** Fits T to the rewards of held-out pairs, chosen and rejected of pair i at index i. */
    public static Fit fit(float[] chosen, float[] rejected) {
        if (chosen.length != rejected.length) {
            throw new IllegalArgumentException(chosen.length + " chosen but " + rejected.length + " rejected rewards");
        }
        double[] d = new double[chosen.length];
        for (int i = 0; i < d.length; i++) d[i] = (double) chosen[i] - rejected[i];
        return fit(d);
    }

    /** Fits T to reward differences Δᵢ = r_c − r_r, positive when the model agrees with the label. */
    public static Fit fit(double[] deltas) {
        int n = deltas.length;
        if (n == 0) throw new IllegalArgumentException("temperature scaling needs at least one pair, got none");
        double maxAbs = 0, sum = 0;
        boolean anyWrong = false;
        for (double d : deltas) {
            if (!Double.isFinite(d)) throw new IllegalArgumentException("a reward difference is not finite: " + d);
            maxAbs = Math.max(maxAbs, Math.abs(d));
            sum += d;
            anyWrong |= d < 0;
        }
        // L'(0) = −mean Δ / 2: the minimum lies at s > 0 only if the model agrees with the labels on average.
        if (!(sum > 0)) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "the model does not order these %d pairs better than chance (mean reward difference %.4g ≤ 0): "
                            + "no positive temperature fits them", n, sum / n));
        }
        // With no pair ordered wrong, L'(s) < 0 for every s: the loss only falls as T → 0. One wrong pair makes L'
        // tend to a positive limit as s grows, so a root exists.
        if (!anyWrong) {
            throw new IllegalArgumentException("the model orders all " + n + " pairs right (or ties them): the log-loss "
                    + "keeps falling as T → 0 and has no minimum at a positive temperature (use more or harder held-out pairs)");
        }
        // Bracket the root of L' in s: L'(lo) < 0 ≤ L'(hi).
        double lo = 0, hi = 1 / maxAbs;
        while (derivative(deltas, hi) < 0) {
            lo = hi;
            hi *= 2;
            if (hi * maxAbs > MAX_SCALE) {
                throw new IllegalArgumentException("no minimum of the log-loss found up to T = " + (1 / hi)
                        + " on " + n + " pairs: the data are all but perfectly separated");
            }
        }
        double s = 0.5 * (lo + hi);
        int it = 0;
        for (; it < MAX_ITERATIONS; it++) {
            double g = derivative(deltas, s);
            if (g == 0) break;
            if (g < 0) lo = s; else hi = s;
            double h = curvature(deltas, s);
            double next = h > 0 ? s - g / h : Double.NaN;
            // Newton when it stays inside the bracket, bisection otherwise: converges from anywhere in it.
            if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
            if (Math.abs(next - s) <= 1e-15 * s || hi - lo <= 1e-15 * hi) {
                s = next;
                break;
            }
            s = next;
        }
        return new Fit(1 / s, n, logLoss(deltas, 1), logLoss(deltas, s), it + 1);
    }

    /** Mean −log σ(s·Δᵢ). */
    public static double logLoss(double[] deltas, double s) {
        double l = 0;
        for (double d : deltas) {
            double x = s * d;
            l += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
        }
        return l / deltas.length;
    }

    /** L'(s) = −mean Δᵢ σ(−sΔᵢ). */
    static double derivative(double[] deltas, double s) {
        double g = 0;
        for (double d : deltas) g -= d * sigmoid(-s * d);
        return g / deltas.length;
    }

    /** L''(s) = mean Δᵢ² σ(sΔᵢ) σ(−sΔᵢ). */
    static double curvature(double[] deltas, double s) {
        double h = 0;
        for (double d : deltas) {
            double p = sigmoid(s * d);
            h += d * d * p * (1 - p);
        }
        return h / deltas.length;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /**
     * A fit and what it changes on the pairs it was fitted on.
     *
     * @param before the metrics of the raw rewards
     * @param after  the metrics of the rewards divided by T (same accuracy; loss, ECE and Brier move)
     */
    public record Calibrated(Fit fit, PairMetrics before, PairMetrics after) {
        /**
         * The block a checkpoint keeps ({@code config.json} "calibration"): method, temperature, the fit, ECE and Brier
         * before and after, and {@code source}, the data it was fitted on (path, SHA-256, which pairs).
         */
        public ObjectNode toBlock(ObjectNode source) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("method", "temperature");
            o.setAll(fit.toJson());
            o.put("ece_before", before.ece());
            o.put("ece_after", after.ece());
            o.put("brier_before", before.brier());
            o.put("brier_after", after.brier());
            o.put("accuracy", after.accuracy());
            if (source != null) o.set("data", source);
            return o;
        }

        /** One line: {@code T 1.83 on 444 pairs: log-loss 0.71 → 0.64, ECE 0.230 → 0.061, Brier …, accuracy … (unchanged)}. */
        public String line() {
            return String.format(java.util.Locale.ROOT,
                    "temperature %.4f fitted on %d pairs: log-loss %.4f -> %.4f, ECE %.4f -> %.4f, Brier %.4f -> %.4f, "
                            + "accuracy %.4f (unchanged)", fit.temperature(), fit.n(), fit.logLossBefore(), fit.logLossAfter(),
                    before.ece(), after.ece(), before.brier(), after.brier(), after.accuracy());
        }
    }

    /** Fits T to raw rewards of held-out pairs and measures them before and after. */
    public static Calibrated calibrate(float[] chosen, float[] rejected) {
        Fit fit = fit(chosen, rejected);
        PairMetrics before = PairMetrics.of(chosen, rejected);
        PairMetrics after = PairMetrics.of(scale(chosen, fit.temperature()), scale(rejected, fit.temperature()));
        return new Calibrated(fit, before, after);
    }

    /** Rewards divided by T (a new array). */
    public static float[] scale(float[] rewards, double temperature) {
        float[] out = new float[rewards.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (rewards[i] / temperature);
        return out;
    }
}
