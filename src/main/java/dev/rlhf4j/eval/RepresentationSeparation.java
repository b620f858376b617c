package dev.rlhf4j.eval;

import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * How far apart a reward model keeps the representations of the chosen and rejected responses: the
 * pooled features {@code f(x, y)} the reward head reads, compared pair by pair (cosine) and as two
 * classes (a held-out logistic-regression probe). Contrastive training is claimed to separate them.
 *
 * <p>The probe is fitted on one half of the pairs, split by a seeded shuffle with both responses of
 * a pair on the same side (so it cannot tell them apart by their prompt), and scored on the other.
 */
public final class RepresentationSeparation {
    /** Weight of the probe's L2 penalty {@code λ/2 ‖w‖²} (the bias is not penalised). */
    public static final double LAMBDA = 1e-3;
    /** Gradient steps of the probe's fit (Nesterov-accelerated, fixed step 1/L). */
    public static final int ITERATIONS = 500;
    /** Fewest pairs measured: two on each side of the probe's split. */
    public static final int MIN_PAIRS = 4;

    private RepresentationSeparation() {}

    /**
     * @param n             pairs measured
     * @param hidden        size of the representations, H
     * @param meanCosine    mean over pairs of cos(f(x, y_c), f(x, y_r)); lower = more separated
     * @param cosineStd     standard deviation of the per-pair cosines (n − 1 in the denominator)
     * @param probeAuc      ROC AUC of the probe's scores on the held-out pairs (ties count one half)
     * @param probeAccuracy accuracy of the probe at probability 0.5 on the held-out pairs' 2·m vectors
     * @param trainPairs    pairs the probe was fitted on
     * @param testPairs     held-out pairs it was scored on
     * @param seed          seed of the split
     */
    public record Result(int n, int hidden, double meanCosine, double cosineStd, double probeAuc, double probeAccuracy,
                         int trainPairs, int testPairs, long seed) {

        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("n", n);
            o.put("hidden", hidden);
            o.put("mean_cosine", meanCosine);
            o.put("cosine_std", cosineStd);
            o.put("probe_auc", probeAuc);
            o.put("probe_accuracy", probeAccuracy);
            o.put("probe_train_pairs", trainPairs);
            o.put("probe_test_pairs", testPairs);
            o.put("probe_lambda", LAMBDA);
            o.put("seed", seed);
            return o;
        }

        /** One line of text: {@code representations  n=…  mean cos(chosen, rejected) …  probe ROC AUC … (…)}. */
        public String line() {
            return String.format(Locale.ROOT,
                    "representations  n=%d  mean cos(chosen, rejected) %.3f ±%.3f  probe ROC AUC %.2f (accuracy %.2f, held-out half)",
                    n, meanCosine, cosineStd, probeAuc, probeAccuracy);
        }
    }

    /** Computes the features of both responses of every pair (without gradients) and measures them. */
    public static Result measure(RewardModel model, List<PreferencePair> pairs, int batchSize, long seed) {
        requireEnough(pairs.size());
        List<EncodedPair> encoded = model.encoder().encodePairs(pairs);
        List<EncodedSequence> seqs = new ArrayList<>(encoded.size() * 2);
        for (EncodedPair p : encoded) seqs.add(p.chosen());
        for (EncodedPair p : encoded) seqs.add(p.rejected());
        float[][] all = features(model, seqs, batchSize);
        int n = encoded.size();
        return measure(Arrays.copyOfRange(all, 0, n), Arrays.copyOfRange(all, n, 2 * n), seed);
    }

    /** The same measurement on host features: {@code chosen[i]} and {@code rejected[i]} are pair i's, each of size H. */
    public static Result measure(float[][] chosen, float[][] rejected, long seed) {
        int n = chosen.length;
        if (rejected.length != n) {
            throw new IllegalArgumentException(n + " chosen but " + rejected.length + " rejected representations");
        }
        requireEnough(n);
        int h = chosen[0].length;
        double sum = 0, sumSq = 0;
        for (int i = 0; i < n; i++) {
            double c = cosine(chosen[i], rejected[i]);
            sum += c;
            sumSq += c * c;
        }
        double mean = sum / n;
        double std = Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1)));

        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(seed));
        int train = n / 2, test = n - train;
        float[][] xTrain = new float[2 * train][], xTest = new float[2 * test][];
        boolean[] yTrain = new boolean[2 * train], yTest = new boolean[2 * test];
        for (int k = 0; k < n; k++) {
            int i = order.get(k);
            boolean isTrain = k < train;
            int j = 2 * (isTrain ? k : k - train);
            float[][] x = isTrain ? xTrain : xTest;
            boolean[] y = isTrain ? yTrain : yTest;
            x[j] = chosen[i];
            y[j] = true;
            x[j + 1] = rejected[i];
        }
        Probe probe = Probe.fit(xTrain, yTrain, LAMBDA, ITERATIONS);
        double[] scores = new double[xTest.length];
        int right = 0;
        for (int j = 0; j < xTest.length; j++) {
            scores[j] = probe.logit(xTest[j]);
            if ((scores[j] >= 0) == yTest[j]) right++;
        }
        return new Result(n, h, mean, std, rocAuc(scores, yTest), right / (double) xTest.length, train, test, seed);
    }

    private static void requireEnough(int n) {
        if (n < MIN_PAIRS) {
            throw new IllegalArgumentException("measuring representation separation needs at least " + MIN_PAIRS
                    + " pairs (half to fit the probe, half to test it), got " + n);
        }
    }

    /** Pooled features of every sequence, in input order, computed in length-sorted batches without gradients. */
    public static float[][] features(RewardModel model, List<EncodedSequence> seqs, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> seqs.get(i).length()));
        float[][] out = new float[seqs.size()][];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<EncodedSequence> part = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) part.add(seqs.get(order[i]));
            try (NDScope scope = new NDScope()) {
                float[] f = model.features(TokenBatch.of(part, model.encoder().padId()), false).toFloatArray();
                int h = f.length / part.size();
                for (int i = start; i < end; i++) {
                    out[order[i]] = Arrays.copyOfRange(f, (i - start) * h, (i - start + 1) * h);
                }
            }
        }
        return out;
    }

    /** cos(a, b); 1 when both are zero vectors, 0 when only one is. */
    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += (double) a[k] * b[k];
            na += (double) a[k] * a[k];
            nb += (double) b[k] * b[k];
        }
        if (na == 0 || nb == 0) return na == nb ? 1 : 0;
        return Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb)));
    }

    /**
     * ROC AUC of {@code scores} for telling {@code labels} true from false: the chance that a random
     * positive scores above a random negative, a tie counting one half (the Mann–Whitney U over P·N).
     * NaN when either class is empty.
     */
    public static double rocAuc(double[] scores, boolean[] labels) {
        int m = scores.length;
        if (labels.length != m) throw new IllegalArgumentException(m + " scores but " + labels.length + " labels");
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double rankSumPos = 0;
        long pos = 0;
        for (int start = 0; start < m; ) {
            int end = start;
            while (end < m && scores[order[end]] == scores[order[start]]) end++;
            double midRank = (start + 1 + end) / 2.0; // ranks start+1 … end share their mean
            for (int k = start; k < end; k++) {
                if (labels[order[k]]) {
                    rankSumPos += midRank;
                    pos++;
                }
            }
            start = end;
        }
        long neg = m - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /**
     * An L2-regularised logistic regression on features standardised with the training set's mean
     * and standard deviation: minimises mean log-loss + λ/2 ‖w‖² by Nesterov-accelerated gradient
     * descent with the fixed step 1/L, L bounding the loss's curvature (from a power iteration on the
     * standardised features). Deterministic.
     */
    public record Probe(double[] mean, double[] std, double[] w, double b) {

        public static Probe fit(float[][] x, boolean[] y, double lambda, int iterations) {
            int m = x.length;
            if (m == 0 || y.length != m) throw new IllegalArgumentException("probe needs as many labels as vectors, and some");
            int d = x[0].length;
            double[] mean = new double[d], std = new double[d];
            for (float[] r : x) for (int k = 0; k < d; k++) mean[k] += r[k];
            for (int k = 0; k < d; k++) mean[k] /= m;
            for (float[] r : x) for (int k = 0; k < d; k++) std[k] += (r[k] - mean[k]) * (r[k] - mean[k]);
            for (int k = 0; k < d; k++) {
                std[k] = Math.sqrt(std[k] / m);
                if (!(std[k] > 1e-12)) std[k] = 1; // a constant feature: centred to zero, left unscaled
            }
            double[][] z = new double[m][d];
            for (int i = 0; i < m; i++) for (int k = 0; k < d; k++) z[i][k] = (x[i][k] - mean[k]) / std[k];

            // Curvature of the mean log-loss ≤ ¼ λ_max(ZᵀZ/m) over [w, b] (the bias column is a constant 1).
            double step = 1 / (0.25 * (largestEigenvalue(z) + 1) + lambda);
            double[] w = new double[d], wPrev = new double[d], v = new double[d], g = new double[d];
            double b = 0, bPrev = 0;
            for (int t = 1; t <= iterations; t++) {
                double momentum = (t - 1) / (t + 2.0);
                double vb = b + momentum * (b - bPrev);
                for (int k = 0; k < d; k++) v[k] = w[k] + momentum * (w[k] - wPrev[k]);
                Arrays.fill(g, 0);
                double gb = 0;
                for (int i = 0; i < m; i++) {
                    double r = TemperatureScaling.sigmoid(dot(v, z[i]) + vb) - (y[i] ? 1 : 0);
                    for (int k = 0; k < d; k++) g[k] += r * z[i][k];
                    gb += r;
                }
                System.arraycopy(w, 0, wPrev, 0, d);
                bPrev = b;
                for (int k = 0; k < d; k++) w[k] = v[k] - step * (g[k] / m + lambda * v[k]);
                b = vb - step * gb / m;
            }
            return new Probe(mean, std, w, b);
        }

        /** log-odds that {@code x} is a chosen response's representation. */
        public double logit(float[] x) {
            double s = b;
            for (int k = 0; k < w.length; k++) s += w[k] * (x[k] - mean[k]) / std[k];
            return s;
        }

        /** Largest eigenvalue of ZᵀZ/m, by power iteration from the all-ones vector. */
        private static double largestEigenvalue(double[][] z) {
            int m = z.length, d = z[0].length;
            double[] v = new double[d], u = new double[d];
            Arrays.fill(v, 1 / Math.sqrt(d));
            double lambda = 0;
            for (int it = 0; it < 100; it++) {
                Arrays.fill(u, 0);
                for (double[] r : z) {
                    double p = dot(r, v);
                    for (int k = 0; k < d; k++) u[k] += p * r[k];
                }
                double norm = Math.sqrt(dot(u, u));
                if (norm == 0) return 0;
                double next = norm / m;
                for (int k = 0; k < d; k++) v[k] = u[k] / norm;
                boolean done = Math.abs(next - lambda) <= 1e-6 * next;
                lambda = next;
                if (done) break;
            }
            // Power iteration approaches λ_max from below; a margin keeps the step safe.
            return lambda * 1.05;
        }

        private static double dot(double[] a, double[] b) {
            double s = 0;
            for (int k = 0; k < a.length; k++) s += a[k] * b[k];
            return s;
        }
    }
}
