package dev.rlhf4j.eval.stats;

/**
 * Student's t distribution, for intervals over a handful of independent runs (seeds): with n values the mean's
 * 95% interval is mean ± t(0.975, n − 1) · s / √n. A bootstrap over 5 seeds would be far too narrow; the t interval
 * is the textbook answer for few independent replicates whose spread is roughly normal.
 */
public final class StudentT {
    private StudentT() {}

    /** P(T ≤ t) with {@code df} degrees of freedom, through the regularized incomplete beta function. */
    public static double cdf(double t, double df) {
        if (!(df > 0)) throw new IllegalArgumentException("degrees of freedom must be > 0, got " + df);
        double x = df / (df + t * t);
        double tail = 0.5 * incompleteBeta(df / 2, 0.5, x);
        return t >= 0 ? 1 - tail : tail;
    }

    /** The p-quantile, by bisection on {@link #cdf} (exact to about 1e-12). */
    public static double quantile(double p, double df) {
        if (!(p > 0 && p < 1)) throw new IllegalArgumentException("p must be in (0, 1), got " + p);
        if (p < 0.5) return -quantile(1 - p, df);
        double lo = 0, hi = 1;
        while (cdf(hi, df) < p) hi *= 2;
        for (int i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
            double mid = 0.5 * (lo + hi);
            if (cdf(mid, df) < p) lo = mid;
            else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /**
     * The mean of independent values and its two-sided interval at {@code level}: mean ± t((1 + level)/2, n − 1) ·
     * s / √n, s the sample standard deviation (n − 1 in the denominator). With one value the interval is (NaN, NaN).
     * NaN values are left out.
     */
    public static Interval meanInterval(double[] values, double level) {
        int n = 0;
        double sum = 0;
        for (double v : values) {
            if (Double.isNaN(v)) continue;
            n++;
            sum += v;
        }
        if (n == 0) return new Interval(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        double mean = sum / n;
        if (n == 1) return new Interval(mean, Double.NaN, Double.NaN, Double.NaN);
        double ss = 0;
        for (double v : values) if (!Double.isNaN(v)) ss += (v - mean) * (v - mean);
        double half = quantile((1 + level) / 2, n - 1) * Math.sqrt(ss / (n - 1) / n);
        return new Interval(mean, mean - half, mean + half, Double.NaN);
    }

    /** I_x(a, b), the regularized incomplete beta function (continued fraction, Numerical Recipes §6.4). */
    static double incompleteBeta(double a, double b, double x) {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
        if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaFraction(a, b, x) / a;
        return 1 - Math.exp(lnFront) * betaFraction(b, a, 1 - x) / b;
    }

    private static double betaFraction(double a, double b, double x) {
        final double tiny = 1e-300;
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 500; m++) {
            int m2 = 2 * m;
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d;
            if (Math.abs(d) < tiny) d = tiny;
            c = 1 + aa / c;
            if (Math.abs(c) < tiny) c = tiny;
            d = 1 / d;
            double del = d * c;
            h *= del;
            if (Math.abs(del - 1) < 1e-15) break;
        }
        return h;
    }

    /** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-14). */
    static double logGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        double[] g = {0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
                12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
        x -= 1;
        double a = g[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += g[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
