package dev.rlhf4j.eval.stats;

/** Kendall's rank correlation τ-b, which corrects for ties in either ranking (gold rewards tie often). */
public final class KendallTau {
    private KendallTau() {}

    /**
     * τ-b = (C − D) / √((n₀ − t_x)(n₀ − t_y)) over all n₀ = n(n−1)/2 pairs, C concordant, D discordant, t_x and t_y
     * the pairs tied in x and in y. NaN when either ranking is constant (τ is undefined).
     */
    public static double tauB(double[] x, double[] y) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " x values, " + y.length + " y values");
        long concordant = 0, discordant = 0, tiedX = 0, tiedY = 0, pairs = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                pairs++;
                double dx = Math.signum(x[i] - x[j]), dy = Math.signum(y[i] - y[j]);
                if (dx == 0) tiedX++;
                if (dy == 0) tiedY++;
                if (dx != 0 && dy != 0) {
                    if (dx == dy) concordant++;
                    else discordant++;
                }
            }
        }
        double denom = Math.sqrt((double) (pairs - tiedX) * (pairs - tiedY));
        return denom == 0 ? Double.NaN : (concordant - discordant) / denom;
    }
}
