package dev.rlhf4j.eval.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Best-of-n (Gao et al. 2023; Nakano et al. 2021): of n samples the selector (a reward model) scores highest, the
 * value (gold) of the pick. From N ≥ n samples of one prompt, the exact expectation over all C(N, n) subsets of n:
 * with the samples sorted by the selector's score, ascending and ranked 1..N, the sample of rank i is the pick of
 * exactly C(i − 1, n − 1) subsets, so it carries weight C(i − 1, n − 1) / C(N, n). Samples the selector ties are
 * picked at random among themselves: each gets its tie group's mean value (exact, by symmetry).
 */
public final class BestOfN {
    private BestOfN() {}

    /** KL(π_bon ‖ π) = log n − (n − 1)/n nats, the analytic KL of best-of-n from the sampling policy. */
    public static double klBon(int n) {
        if (n < 1) throw new IllegalArgumentException("n must be ≥ 1, got " + n);
        return Math.log(n) - (n - 1.0) / n;
    }

    /** The weight of each rank 1..N (index 0..N−1, ascending selector score): C(i − 1, n − 1) / C(N, n); they sum to 1. */
    public static double[] rankWeights(int total, int n) {
        if (n < 1 || n > total) throw new IllegalArgumentException("n must be in 1.." + total + ", got " + n);
        double[] w = new double[total];
        double logAll = logChoose(total, n);
        for (int i = n; i <= total; i++) w[i - 1] = Math.exp(logChoose(i - 1, n - 1) - logAll);
        return w;
    }

    /** The expected value of the best-of-n pick among the samples ({@code selector[i]} and {@code value[i]} of sample i). */
    public static double expectedPick(double[] selector, double[] value, int n) {
        int total = selector.length;
        if (value.length != total) throw new IllegalArgumentException(total + " selector scores, " + value.length + " values");
        for (double s : selector) if (Double.isNaN(s)) throw new IllegalArgumentException("a selector score is NaN");
        if (n == 1) {
            // One sample is a uniform draw whatever the selector: the plain mean, summed in sample order, so every
            // selector's n = 1 point is the same number to the last bit (and their paired difference exactly 0).
            if (total < 1) throw new IllegalArgumentException("n must be in 1.." + total + ", got 1");
            double m = 0;
            for (double v : value) m += v;
            return m / total;
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> selector[i]));
        double[] v = new double[total];
        for (int a = 0; a < total; ) {
            int b = a;
            double sum = 0;
            while (b < total && selector[order[b]] == selector[order[a]]) sum += value[order[b++]];
            for (int k = a; k < b; k++) v[k] = sum / (b - a);
            a = b;
        }
        double[] w = rankWeights(total, n);
        double e = 0;
        for (int r = 0; r < total; r++) e += w[r] * v[r];
        return e;
    }

    /** n = 1, 2, 4, … up to {@code max} (and {@code max} itself when it is not a power of two). */
    public static int[] powersOfTwo(int max) {
        if (max < 1) throw new IllegalArgumentException("n max must be ≥ 1, got " + max);
        int count = 0;
        for (int n = 1; n <= max; n *= 2) count++;
        boolean extra = Integer.bitCount(max) != 1;
        int[] out = new int[count + (extra ? 1 : 0)];
        int k = 0;
        for (int n = 1; n <= max; n *= 2) out[k++] = n;
        if (extra) out[k] = max;
        return out;
    }

    static double logChoose(int n, int k) {
        return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    }

    private static double logFactorial(int n) {
        double s = 0;
        for (int i = 2; i <= n; i++) s += Math.log(i);
        return s;
    }
}
