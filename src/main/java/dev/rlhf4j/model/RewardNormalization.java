package dev.rlhf4j.model;

/**
 * A reward normalisation as OpenRLHF stores it in {@code config.json}: {@code normalize_reward: true}, {@code mean},
 * {@code std}. A scored reward r becomes (r − mean) / std, so rewards of the reference set it was measured on have mean
 * 0 and (sample) standard deviation 1. OpenRLHF measures both over the chosen and rejected rewards of its evaluation
 * pairs, std unbiased (n − 1) and clamped to at least 1e-8 ({@code RewardModelTrainer.evaluate}); {@link #of} does the same.
 *
 * @param mean subtracted from every raw reward
 * @param std  then divided by; finite and positive
 */
public record RewardNormalization(double mean, double std) {
    /** config.json keys, OpenRLHF's names. */
    public static final String FLAG = "normalize_reward", MEAN = "mean", STD = "std";
    /** OpenRLHF's floor on the standard deviation. */
    static final double MIN_STD = 1e-8;

    public RewardNormalization {
        if (!Double.isFinite(mean)) throw new IllegalArgumentException("reward normalisation mean must be finite, got " + mean);
        if (!(std > 0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("reward normalisation std must be finite and positive, got " + std);
        }
    }

    /** The mean and unbiased standard deviation (clamped to 1e-8) of raw rewards. */
    public static RewardNormalization of(float[] rewards) {
        int n = rewards.length;
        if (n < 2) throw new IllegalArgumentException("reward normalisation needs at least 2 rewards, got " + n);
        double sum = 0;
        for (float r : rewards) sum += r;
        double mean = sum / n, ss = 0;
        for (float r : rewards) ss += (r - mean) * (r - mean);
        return new RewardNormalization(mean, Math.max(MIN_STD, Math.sqrt(ss / (n - 1))));
    }

    /** (r − mean) / std. */
    public float apply(float raw) {
        return (float) ((raw - mean) / std);
    }
}
