package dev.rlhf4j.rl;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The critic-free advantages on 2 prompts × 3 samples, against hand arithmetic. Rewards: prompt 1 {1, 2, 3} (mean 2),
 * prompt 2 {0, 0, 3} (mean 1). Two response tokens each; log π − log π_ref is {0.2, 0.4} on row 0, {0.2, 0} on row 3,
 * 0 elsewhere; β = 0.5.
 */
class AdvantagesTest {
    static final double[] R = {1, 2, 3, 0, 0, 3};
    static final double[][] KL = {{0.2, 0.4}, {0, 0}, {0, 0}, {0.2, 0}, {0, 0}, {0, 0}};
    static final double BETA = 0.5;

    @Test
    void grpoDividesTheCentredRewardByTheGroupStd() {
        // prompt 1: centred {−1, 0, 1}, std (k − 1) √(2/2) = 1; prompt 2: centred {−1, −1, 2}, std √(6/2) = √3 = 1.7320508
        double[] a = Advantages.groupNormalised(R, 3, true);
        assertThat(a).containsExactly(new double[] {-1 / 1.0001, 0, 1 / 1.0001, -1 / 1.7321508, -1 / 1.7321508, 2 / 1.7321508},
                within(1e-6));
        assertThat(a[3]).isCloseTo(-0.577317, within(1e-6));
        // Every token of a sample carries its sample's advantage (KL is the k3 loss term, not in the advantage).
        double[][] t = Advantages.tokenAdvantages(Algorithm.GRPO, R, KL, 3, BETA, false);
        assertThat(t[0]).containsExactly(new double[] {-0.99990, -0.99990}, within(1e-5));
        assertThat(t[5]).containsExactly(new double[] {1.154634, 1.154634}, within(1e-5));
    }

    @Test
    void grpoWithKlInTheRewardSubtractsItBeforeTheGroupStatistics() {
        // row 0: 1 − 0.5 · 0.6 = 0.7; row 3: 0 − 0.5 · 0.2 = −0.1
        // prompt 1 {0.7, 2, 3}: mean 1.9, centred {−1.2, 0.1, 1.1}, std √((1.44 + 0.01 + 1.21)/2) = √1.33 = 1.1532563
        // prompt 2 {−0.1, 0, 3}: mean 0.9667, centred {−1.0667, −0.9667, 2.0333}, std √((1.13778 + 0.93444 + 4.13444)/2) = 1.7616276
        double[][] t = Advantages.tokenAdvantages(Algorithm.GRPO, R, KL, 3, BETA, true);
        assertThat(t[0][0]).isCloseTo(-1.2 / 1.1533563, within(1e-6));
        assertThat(t[2][1]).isCloseTo(1.1 / 1.1533563, within(1e-6));
        assertThat(t[3][0]).isCloseTo(-1.0666667 / 1.7617276, within(1e-6));
    }

    @Test
    void drGrpoOnlyCentres() {
        assertThat(Advantages.groupNormalised(R, 3, false)).containsExactly(-1, 0, 1, -1, -1, 2);
        double[][] t = Advantages.tokenAdvantages(Algorithm.DR_GRPO, R, KL, 3, BETA, false);
        assertThat(t[5]).containsExactly(2, 2);
        assertThat(t[0]).containsExactly(-1, -1);
    }

    @Test
    void rlooSubtractsTheMeanOfTheOtherSamplesAndCarriesTokenKl() {
        // prompt 1: 1 − (2+3)/2 = −1.5, 2 − (1+3)/2 = 0, 3 − (1+2)/2 = 1.5; prompt 2: 0 − 1.5, 0 − 1.5, 3 − 0
        assertThat(Advantages.leaveOneOut(R, 3)).containsExactly(-1.5, 0, 1.5, -1.5, -1.5, 3);
        // KL in the reward, token by token, summed from t to the end: row 0 token 1: −1.5 − 0.5·0.4 = −1.7,
        // token 0: −1.5 − 0.5·(0.2 + 0.4) = −1.8; row 3: −1.5 − 0.5·0.2 = −1.6, then −1.5
        double[][] t = Advantages.tokenAdvantages(Algorithm.RLOO, R, KL, 3, BETA, false);
        assertThat(t[0]).containsExactly(new double[] {-1.8, -1.7}, within(1e-12));
        assertThat(t[3]).containsExactly(new double[] {-1.6, -1.5}, within(1e-12));
        assertThat(t[5]).containsExactly(3, 3);
        assertThatThrownBy(() -> Advantages.leaveOneOut(new double[] {1, 2}, 1)).hasMessageContaining("at least 2");
    }

    @Test
    void reinforcePlusPlusCentresAddsTokenKlThenWhitensOverTheBatch() {
        // Before whitening: row 0 {−1.3, −1.2}, row 1 {0, 0}, row 2 {1, 1}, row 3 {−1.1, −1.0}, row 4 {−1, −1}, row 5 {2, 2}.
        // 12 tokens: sum −0.6, mean −0.05; Σx² = 1.69 + 1.44 + 2 + 1.21 + 1 + 2 + 8 = 17.34, var 1.445 − 0.0025 = 1.4425,
        // std 1.2010412
        double[][] t = Advantages.tokenAdvantages(Algorithm.REINFORCE_PP, R, KL, 3, BETA, false);
        double sd = 1.2010412;
        assertThat(t[0]).containsExactly(new double[] {(-1.3 + 0.05) / sd, (-1.2 + 0.05) / sd}, within(1e-6));
        assertThat(t[1]).containsExactly(new double[] {0.05 / sd, 0.05 / sd}, within(1e-6));
        assertThat(t[5][0]).isCloseTo(1.706852, within(1e-5));
        assertThat(t[3][1]).isCloseTo((-1.0 + 0.05) / sd, within(1e-6));
    }

    @Test
    void k3ByHand() {
        // log π = −1, log π_ref = −1.5: d = −0.5, e^−0.5 + 0.5 − 1 = 0.1065307
        assertThat(Advantages.k3(-1, -1.5)).isCloseTo(0.1065307, within(1e-7));
        // log π = −2, log π_ref = −1: d = 1, e − 1 − 1 = 0.7182818
        assertThat(Advantages.k3(-2, -1)).isCloseTo(0.7182818, within(1e-7));
        assertThat(Advantages.k3(-0.7, -0.7)).isZero();
    }

    @Test
    void lossWeightsAverageTokensSequencesOrAConstant() {
        // 2 rows × 4 columns; row 0 has 2 response tokens, row 1 has 3
        float[] mask = {0, 1, 1, 0, 0, 1, 1, 1};
        assertThat(Advantages.lossWeights(mask, 2, 4, Advantages.Aggregation.TOKEN_MEAN, 10))
                .containsExactly(new float[] {0, 0.2f, 0.2f, 0, 0, 0.2f, 0.2f, 0.2f}, within(1e-7f));
        // per sequence: 1/(2·2) on row 0, 1/(3·2) on row 1
        assertThat(Advantages.lossWeights(mask, 2, 4, Advantages.Aggregation.SEQUENCE_MEAN, 10))
                .containsExactly(new float[] {0, 0.25f, 0.25f, 0, 0, 1 / 6f, 1 / 6f, 1 / 6f}, within(1e-7f));
        // Dr. GRPO: 1/(rows · budget) = 1/20 everywhere on the response
        assertThat(Advantages.lossWeights(mask, 2, 4, Advantages.Aggregation.CONSTANT_LENGTH, 10))
                .containsExactly(new float[] {0, 0.05f, 0.05f, 0, 0, 0.05f, 0.05f, 0.05f}, within(1e-7f));
    }

    @Test
    void algorithmsParseAndTheConfigRejectsWhatCannotWork() {
        assertThat(Algorithm.parse("reinforce++")).isEqualTo(Algorithm.REINFORCE_PP);
        assertThat(Algorithm.parse("Dr-GRPO")).isEqualTo(Algorithm.DR_GRPO);
        assertThat(PpoConfig.defaults().algorithm()).isEqualTo(Algorithm.PPO);
        assertThatThrownBy(() -> Algorithm.parse("a2c")).hasMessageContaining("ppo, grpo, dr-grpo, rloo, reinforce++");
        assertThatThrownBy(() -> PpoConfig.builder().algorithm(Algorithm.GRPO).rollouts(1).build()).hasMessageContaining("--rollouts");
        assertThatThrownBy(() -> PpoConfig.builder().algorithm(Algorithm.RLOO).klInReward(true).build())
                .hasMessageContaining("--kl-in-reward");
        assertThat(Algorithm.GRPO.klPlacement(false)).isEqualTo(Advantages.KlPlacement.LOSS_K3);
        assertThat(Algorithm.GRPO.klPlacement(true)).isEqualTo(Advantages.KlPlacement.SEQUENCE_REWARD);
        assertThat(Algorithm.REINFORCE_PP.klPlacement(false)).isEqualTo(Advantages.KlPlacement.TOKEN_REWARD);
    }
}
