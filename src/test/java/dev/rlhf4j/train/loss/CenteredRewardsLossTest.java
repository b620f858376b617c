package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** TRL's reward-centring term against hand arithmetic on a three-pair batch. */
class CenteredRewardsLossTest {
    @Test
    void addsCoefficientTimesTheMeanSquaredSumOfEachPairsRewards() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] c = {1f, 0.5f, -2f}, r = {0f, 1.5f, -1f};
            PairTargets none = new PairTargets(null, null);
            PairwiseLoss centred = CenteredRewardsLoss.of(new BradleyTerryLoss(), 0.1);
            // Δ = 1, −1, −1: BT = log(1 + e^−1), log(1 + e), log(1 + e) = 0.313261687, 1.313261687, 1.313261687 → mean 0.979928354.
            // r_c + r_r = 1, 2, −3: squares 1, 4, 9 → mean 14/3; 0.1 · 14/3 = 0.466666667.
            double mean = centred.perPair(m.create(c), m.create(r), none).mean().getFloat();
            assertThat(mean).isCloseTo(0.979928354 + 0.466666667, within(1e-6));
            float[] perPair = centred.perPair(m.create(c), m.create(r), none).toFloatArray();
            assertThat((double) perPair[2]).isCloseTo(1.313261687 + 0.9, within(1e-6));
        }
    }

    @Test
    void keepsTheInnerLossesNameAndNeedsAndIsOffAtZero() {
        PairwiseLoss margin = new MarginLoss();
        assertThat(CenteredRewardsLoss.of(margin, 0)).isSameAs(margin);
        PairwiseLoss c = CenteredRewardsLoss.of(new SmoothMarginLoss(0.2f), 0.01);
        assertThat(c.name()).isEqualTo("smooth+margin");
        assertThat(c.needsMargin()).isTrue();
        assertThat(c.defaultSmoothing()).isCloseTo(0.2, within(1e-6));
        assertThatThrownBy(() -> CenteredRewardsLoss.of(margin, -1)).hasMessageContaining("--center-rewards");
    }
}
