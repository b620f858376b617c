package dev.rlhf4j.rl;

/**
 * Advantages of the critic-free algorithms (METHODS.md §9), as pure functions over host arrays. Rows come prompt by
 * prompt: rows {@code g·k … g·k + k − 1} are the k samples of prompt g.
 */
public final class Advantages {
    private Advantages() {}

    /** Added to GRPO's group std (TRL's 1e-4), so a group of equal rewards gets 0, not 0/0. */
    public static final double STD_EPS = 1e-4;

    /** Where β·KL to the reference goes. */
    public enum KlPlacement {
        /** A loss term β·k3 per token, k3 = π_ref/π − log(π_ref/π) − 1 (GRPO's default). */
        LOSS_K3,
        /** Subtracted from the sequence reward before the group baseline: r − β Σ_t (log π − log π_ref). */
        SEQUENCE_REWARD,
        /** A per-token reward −β (log π − log π_ref); the advantage of token t carries the KL of tokens t… (γ = 1). */
        TOKEN_REWARD
    }

    /** How the per-token losses of a minibatch of {@code rows} sequences become one number. */
    public enum Aggregation {
        /** Sum over all response tokens / their count (PPO, RLOO, REINFORCE++). */
        TOKEN_MEAN,
        /** Each sequence's token mean, then the mean over sequences (GRPO's per-sequence length normalisation). */
        SEQUENCE_MEAN,
        /** Sum over all tokens / (rows · generation budget): no length normalisation (Dr. GRPO). */
        CONSTANT_LENGTH
    }

    /** r_i − mean of its prompt's k rewards. */
    public static double[] groupCentred(double[] r, int k) {
        check(r, k, 1);
        double[] a = new double[r.length];
        for (int g = 0; g < r.length; g += k) {
            double mean = 0;
            for (int j = g; j < g + k; j++) mean += r[j];
            mean /= k;
            for (int j = g; j < g + k; j++) a[j] = r[j] - mean;
        }
        return a;
    }

    /**
     * GRPO: (r_i − mean_group) / (std_group + {@link #STD_EPS}), std with k − 1 in the denominator (as torch's and TRL's);
     * {@code divideByStd} false is Dr. GRPO's r_i − mean_group.
     */
    public static double[] groupNormalised(double[] r, int k, boolean divideByStd) {
        double[] a = groupCentred(r, k);
        if (!divideByStd) return a;
        for (int g = 0; g < r.length; g += k) {
            double ss = 0;
            for (int j = g; j < g + k; j++) ss += a[j] * a[j];
            double sd = k > 1 ? Math.sqrt(ss / (k - 1)) : 0;
            for (int j = g; j < g + k; j++) a[j] /= sd + STD_EPS;
        }
        return a;
    }

    /** RLOO: r_i − (Σ_{j≠i} r_j) / (k − 1) over the k samples of its prompt; k ≥ 2. */
    public static double[] leaveOneOut(double[] r, int k) {
        check(r, k, 2);
        double[] a = new double[r.length];
        for (int g = 0; g < r.length; g += k) {
            double sum = 0;
            for (int j = g; j < g + k; j++) sum += r[j];
            for (int j = g; j < g + k; j++) a[j] = r[j] - (sum - r[j]) / (k - 1);
        }
        return a;
    }

    /** The sequence advantage of each row before any token-level KL (PPO has none: its critic does this). */
    public static double[] sequenceAdvantages(Algorithm alg, double[] r, int k) {
        return switch (alg) {
            case GRPO -> groupNormalised(r, k, true);
            case DR_GRPO, REINFORCE_PP -> groupCentred(r, k);
            case RLOO -> leaveOneOut(r, k);
            case PPO -> throw new IllegalArgumentException("PPO's advantages come from its critic (GAE)");
        };
    }

    /** k3 = π_ref/π − log(π_ref/π) − 1 of one token, from log π and log π_ref; ≥ 0, an unbiased estimate of KL(π‖π_ref). */
    public static double k3(double logp, double refLogp) {
        double d = refLogp - logp;
        return Math.exp(d) - d - 1;
    }

    /**
     * Per-token advantages of a critic-free algorithm.
     *
     * @param rewards the sequence rewards (normalised and clipped as PPO's), rows prompt by prompt
     * @param tokenKl per row, log π − log π_ref of each response token under the rollout policy
     * @param k       samples per prompt
     * @param beta    KL coefficient
     * @param klInReward GRPO / Dr. GRPO: KL in the sequence reward instead of the k3 loss (ignored by the others)
     * @return per row, the advantage of each response token
     */
    public static double[][] tokenAdvantages(Algorithm alg, double[] rewards, double[][] tokenKl, int k, double beta,
                                             boolean klInReward) {
        int n = rewards.length;
        if (tokenKl.length != n) throw new IllegalArgumentException(tokenKl.length + " KL rows for " + n + " rewards");
        KlPlacement kl = alg.klPlacement(klInReward);
        double[] r = rewards.clone();
        if (kl == KlPlacement.SEQUENCE_REWARD) {
            for (int i = 0; i < n; i++) r[i] -= beta * sum(tokenKl[i]);
        }
        double[] seq = sequenceAdvantages(alg, r, k);
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            int len = tokenKl[i].length;
            a[i] = new double[len];
            double toGo = 0; // β Σ_{s ≥ t} KL_s
            for (int t = len - 1; t >= 0; t--) {
                if (kl == KlPlacement.TOKEN_REWARD) toGo += beta * tokenKl[i][t];
                a[i][t] = seq[i] - toGo;
            }
        }
        if (alg == Algorithm.REINFORCE_PP) whiten(a);
        return a;
    }

    /** (x − mean) / (std + 1e-8) over every token of every row (std over the count, as PPO's whitening). */
    public static void whiten(double[][] x) {
        double s = 0, s2 = 0;
        long c = 0;
        for (double[] row : x) {
            for (double v : row) {
                s += v;
                s2 += v * v;
                c++;
            }
        }
        if (c < 2) return;
        double mu = s / c, sd = Math.sqrt(Math.max(s2 / c - mu * mu, 0)) + 1e-8;
        for (double[] row : x) for (int t = 0; t < row.length; t++) row[t] = (row[t] - mu) / sd;
    }

    /**
     * Weights w of each (row, column) token so that Σ w · loss is the minibatch loss under {@code agg}: 0 off the
     * response ({@code mask} 0), else 1/count, 1/(len_row · rows) or 1/(rows · budget).
     *
     * @param mask   rows × cols response-token mask (1 on response tokens)
     * @param budget the generation budget (max new tokens), Dr. GRPO's constant
     */
    public static float[] lossWeights(float[] mask, int rows, int cols, Aggregation agg, int budget) {
        float[] w = new float[mask.length];
        double count = 0;
        for (float m : mask) count += m;
        for (int r = 0; r < rows; r++) {
            double len = 0;
            for (int c = 0; c < cols; c++) len += mask[r * cols + c];
            double unit = switch (agg) {
                case TOKEN_MEAN -> 1.0 / Math.max(1, count);
                case SEQUENCE_MEAN -> 1.0 / (Math.max(1, len) * rows);
                case CONSTANT_LENGTH -> 1.0 / ((double) rows * Math.max(1, budget));
            };
            for (int c = 0; c < cols; c++) w[r * cols + c] = (float) (mask[r * cols + c] * unit);
        }
        return w;
    }

    private static double sum(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s;
    }

    private static void check(double[] r, int k, int minK) {
        if (k < minK) throw new IllegalArgumentException("need at least " + minK + " samples per prompt, got " + k);
        if (r.length % k != 0) throw new IllegalArgumentException(r.length + " rewards are not groups of " + k);
    }
}
