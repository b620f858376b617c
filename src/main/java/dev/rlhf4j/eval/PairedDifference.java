package dev.rlhf4j.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Accuracy of model A minus accuracy of model B on the same pairs, with the interval of a paired
 * test: both models judge the same pairs, so the pairs both get right or both get wrong carry no
 * information about the difference, and the interval is far narrower than two independent ones.
 *
 * @param n      pairs
 * @param diff   accuracy(A) − accuracy(B); a tie counts one half, as in {@link PairMetrics}
 * @param ci95   half-width of the 95% normal-approximation interval of {@code diff}
 * @param onlyA  pairs A orders right and B wrong
 * @param onlyB  pairs B orders right and A wrong
 */
public record PairedDifference(int n, double diff, double ci95, int onlyA, int onlyB) {

    /** From each model's rewards of the same pairs: {@code [0]} chosen, {@code [1]} rejected. */
    public static PairedDifference of(float[][] a, float[][] b) {
        int n = a[0].length;
        if (b[0].length != n) {
            throw new IllegalArgumentException("the two models scored " + n + " and " + b[0].length + " pairs");
        }
        if (n == 0) return new PairedDifference(0, Double.NaN, Double.NaN, 0, 0);
        double sum = 0, sumSq = 0;
        int onlyA = 0, onlyB = 0;
        for (int i = 0; i < n; i++) {
            double ca = PairMetrics.credit((double) a[0][i] - a[1][i]);
            double cb = PairMetrics.credit((double) b[0][i] - b[1][i]);
            double d = ca - cb;
            sum += d;
            sumSq += d * d;
            if (ca == 1 && cb == 0) onlyA++;
            if (cb == 1 && ca == 0) onlyB++;
        }
        double mean = sum / n;
        double var = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
        return new PairedDifference(n, mean, 1.96 * Math.sqrt(Math.max(0, var) / n), onlyA, onlyB);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("n", n);
        o.put("accuracy_difference", diff);
        o.put("ci95", ci95);
        o.put("only_this_right", onlyA);
        o.put("only_other_right", onlyB);
        return o;
    }
}
