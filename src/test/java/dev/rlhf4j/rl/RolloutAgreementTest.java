package dev.rlhf4j.rl;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** PPO's per-iteration agreement of the reward model with gold, on a fixed rollout set counted by hand. */
class RolloutAgreementTest {

    @Test
    void countsWithinPromptPairsAndAveragesTauByHand() {
        // Three prompts × k = 3 rollouts, in PPO's row order (a prompt's rollouts consecutive).
        double[] reward = {3, 1, 2,   1, 1, 0,   1, 2, 3};
        double[] gold = {1.0, 0.0, 0.5,   0, 1, 1,   2, 2, 2};
        RolloutAgreement a = RolloutAgreement.of(reward, gold, 3);
        // Prompt 1: (0,1) Δg +1 Δr +2 right; (0,2) +0.5 / +1 right; (1,2) −0.5 / −1 right → 3 pairs, credit 3, τ = 1.
        // Prompt 2: (0,1) Δg −1, Δr 0 → tie, ½; (0,2) Δg −1, Δr +1 → wrong; (1,2) Δg 0 → not a pair → 2 pairs, credit ½.
        //   τ-b: (0,1) tied in reward, (0,2) discordant, (1,2) tied in gold: (0 − 1)/√((3 − 1)(3 − 1)) = −0.5.
        // Prompt 3: gold all equal → no pair, τ undefined (left out of the mean).
        assertThat(a.groups()).isEqualTo(3);
        assertThat(a.pairs()).isEqualTo(5);
        assertThat(a.accuracy()).isCloseTo(3.5 / 5, within(1e-15));
        assertThat(a.kendallTau()).isCloseTo((1.0 - 0.5) / 2, within(1e-15));
        assertThat(a.tauGroups()).isEqualTo(2);
    }

    @Test
    void noPairWithDifferentGoldLeavesAccuracyAndTauUndefined() {
        RolloutAgreement a = RolloutAgreement.of(new double[] {0.3, 0.1, 5, 4}, new double[] {1, 1, 0, 0}, 2);
        assertThat(a.pairs()).isZero();
        assertThat(a.accuracy()).isNaN();
        assertThat(a.kendallTau()).isNaN();
        assertThat(a.tauGroups()).isZero();
        assertThatThrownBy(() -> RolloutAgreement.of(new double[3], new double[3], 2)).isInstanceOf(IllegalArgumentException.class);
    }
}
