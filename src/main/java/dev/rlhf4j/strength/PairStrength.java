package dev.rlhf4j.strength;

/**
 * Preference strength of one pair (paper Eq. 4): d_m = r_m(x, y_c) − r_m(x, y_r) over the members
 * that scored it; μ̂ = mean d_m, σ̂ = population standard deviation of d_m.
 */
public record PairStrength(double mean, double std, float[] chosenScores, float[] rejectedScores) {

    public static PairStrength of(float[] chosen, float[] rejected) {
        int m = chosen.length;
        if (m == 0) return new PairStrength(Double.NaN, Double.NaN, chosen, rejected);
        double sum = 0;
        for (int i = 0; i < m; i++) sum += chosen[i] - rejected[i];
        double mean = sum / m;
        double ss = 0;
        for (int i = 0; i < m; i++) {
            double d = chosen[i] - rejected[i] - mean;
            ss += d * d;
        }
        return new PairStrength(mean, Math.sqrt(ss / m), chosen, rejected);
    }

    public int members() {
        return chosenScores.length;
    }
}
