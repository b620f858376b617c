package dev.rlhf4j.rl;

import dev.rlhf4j.eval.stats.KendallTau;
import dev.rlhf4j.eval.stats.PromptPairs;

/**
 * How well the reward model in use orders one PPO iteration's rollouts by gold (METHODS.md §8, logged per
 * iteration): the rollouts come in groups of k answers to one prompt; on the within-group pairs whose gold differs,
 * the share the reward model orders as gold does (a reward tie counts one half, {@link PromptPairs}), and the mean
 * over groups of Kendall's τ-b between reward and gold (groups where τ is undefined, all-equal gold or reward, left
 * out).
 *
 * @param groups     prompt groups (rollout rows / k)
 * @param pairs      within-group pairs whose gold differs
 * @param accuracy   credit / pairs; NaN when there is no such pair
 * @param kendallTau mean τ-b over the groups where it is defined; NaN when there is none
 * @param tauGroups  groups where τ-b is defined
 */
public record RolloutAgreement(int groups, int pairs, double accuracy, double kendallTau, int tauGroups) {
    private static final double[] NO_BANDS = {};

    /**
     * @param reward rewards of the rows, k consecutive rows per prompt (PPO's rollout order)
     * @param gold   gold of the same rows
     * @param k      rollouts per prompt
     */
    public static RolloutAgreement of(double[] reward, double[] gold, int k) {
        if (reward.length != gold.length || k < 1 || reward.length % k != 0) {
            throw new IllegalArgumentException(reward.length + " rewards, " + gold.length + " gold values, k = " + k);
        }
        int groups = reward.length / k, pairs = 0, tauGroups = 0;
        double credit = 0, tauSum = 0;
        for (int g = 0; g < groups; g++) {
            double[] r = java.util.Arrays.copyOfRange(reward, g * k, (g + 1) * k);
            double[] y = java.util.Arrays.copyOfRange(gold, g * k, (g + 1) * k);
            PromptPairs.Counts c = PromptPairs.count(y, r, NO_BANDS);
            pairs += c.pairs();
            credit += c.credit();
            double tau = KendallTau.tauB(r, y);
            if (!Double.isNaN(tau)) {
                tauSum += tau;
                tauGroups++;
            }
        }
        return new RolloutAgreement(groups, pairs, pairs == 0 ? Double.NaN : credit / pairs,
                tauGroups == 0 ? Double.NaN : tauSum / tauGroups, tauGroups);
    }
}
