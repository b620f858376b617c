package dev.rlhf4j.eval.stats;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Every figure here is worked out by hand (or by enumerating subsets) in the comment beside it. */
class StatsTest {
    private static final double EPS = 1e-12;

    @Test
    void quantilesInterpolateLinearly() {
        double[] s = {1, 2, 3, 4};
        assertThat(ClusterBootstrap.quantile(s, 0.25)).isCloseTo(1.75, within(EPS)); // h = 3·0.25 = 0.75
        assertThat(ClusterBootstrap.quantile(s, 0.975)).isCloseTo(3.925, within(EPS)); // h = 2.925
        assertThat(ClusterBootstrap.quantile(s, 1)).isEqualTo(4);
        assertThat(ClusterBootstrap.quantile(new double[0], 0.5)).isNaN();
    }

    @Test
    void weightedMeanAndRatio() {
        // (2·1 + 1·3) / 3; the NaN cluster carries no weight
        assertThat(ClusterBootstrap.mean(new double[] {1, Double.NaN, 3}, new int[] {2, 5, 1})).isCloseTo(5.0 / 3, within(EPS));
        // (1·1 + 3·2) / (1·2 + 3·2) = 7/8
        assertThat(ClusterBootstrap.ratio(new double[] {1, 2}, new double[] {2, 2}, new int[] {1, 3})).isCloseTo(7.0 / 8, within(EPS));
        assertThat(ClusterBootstrap.ratio(new double[] {1}, new double[] {0}, new int[] {1})).isNaN();
    }

    @Test
    void bootstrapOfTwoClustersSpansBoth() {
        // Means of two draws from {0, 1}: 0, ½, 1 with probabilities ¼, ½, ¼; the 2.5% and 97.5% points are 0 and 1.
        double[] v = {0, 1};
        Interval i = new ClusterBootstrap(2000, 7).interval(2, w -> ClusterBootstrap.mean(v, w));
        assertThat(i.estimate()).isEqualTo(0.5);
        assertThat(i.low()).isEqualTo(0);
        assertThat(i.high()).isEqualTo(1);
        // Constant clusters: no spread at all.
        Interval c = new ClusterBootstrap(500, 7).interval(3, w -> ClusterBootstrap.mean(new double[] {2, 2, 2}, w));
        assertThat(c.low()).isEqualTo(2);
        assertThat(c.high()).isEqualTo(2);
        // The same seed gives the same interval; no clusters give NaN.
        assertThat(new ClusterBootstrap(2000, 7).interval(2, w -> ClusterBootstrap.mean(v, w))).isEqualTo(i);
        assertThat(new ClusterBootstrap(10, 7).interval(0, w -> 0).estimate()).isNaN();
    }

    @Test
    void bootstrapWidthMatchesTheStandardError() {
        // 400 clusters, half 0 and half 1: sd of the mean √(¼ / 400) = 0.025, a 95% half-width of 1.96·0.025 = 0.049.
        double[] v = new double[400];
        for (int k = 0; k < v.length; k += 2) v[k] = 1;
        Interval i = new ClusterBootstrap(4000, 11).interval(v.length, w -> ClusterBootstrap.mean(v, w));
        assertThat(i.estimate()).isEqualTo(0.5);
        assertThat(i.high() - 0.5).isCloseTo(0.049, within(0.004));
        assertThat(0.5 - i.low()).isCloseTo(0.049, within(0.004));
    }

    @Test
    void pairedTestPValue() {
        // Always positive: no replicate at or below 0, p = 0.
        assertThat(new ClusterBootstrap(300, 1).test(3, w -> ClusterBootstrap.mean(new double[] {1, 2, 3}, w)).pValue()).isZero();
        // {−1, 1}: replicate means −1, 0, 1 with ¼, ½, ¼; P(≤ 0) = P(≥ 0) = ¾, p = min(1, 2·¾) = 1.
        assertThat(new ClusterBootstrap(300, 1).test(2, w -> ClusterBootstrap.mean(new double[] {-1, 1}, w)).pValue()).isEqualTo(1);
        assertThat(new ClusterBootstrap(300, 1).interval(2, w -> 0).pValue()).isNaN();
    }

    @Test
    void kendallTauB() {
        // (1,2): C, (1,3): C, (2,3): D → (2 − 1)/3
        assertThat(KendallTau.tauB(new double[] {1, 2, 3}, new double[] {1, 3, 2})).isCloseTo(1.0 / 3, within(EPS));
        // x ties one pair of three: C = 2, D = 0, τ-b = 2 / √((3 − 1)(3 − 0))
        assertThat(KendallTau.tauB(new double[] {1, 1, 2}, new double[] {1, 2, 3})).isCloseTo(2 / Math.sqrt(6), within(EPS));
        assertThat(KendallTau.tauB(new double[] {1, 2, 3}, new double[] {3, 2, 1})).isCloseTo(-1, within(EPS));
        assertThat(KendallTau.tauB(new double[] {1, 1}, new double[] {1, 2})).isNaN();
    }

    @Test
    void klOfBestOfN() {
        assertThat(BestOfN.klBon(1)).isZero();
        assertThat(BestOfN.klBon(2)).isCloseTo(Math.log(2) - 0.5, within(EPS));
        assertThat(BestOfN.klBon(64)).isCloseTo(Math.log(64) - 63.0 / 64, within(EPS));
        assertThat(BestOfN.powersOfTwo(64)).containsExactly(1, 2, 4, 8, 16, 32, 64);
        assertThat(BestOfN.powersOfTwo(10)).containsExactly(1, 2, 4, 8, 10);
    }

    @Test
    void bestOfNWeightsAndPicks() {
        // C(i−1, 1) / C(4, 2) for ranks 1..4
        assertThat(BestOfN.rankWeights(4, 2)).containsExactly(new double[] {0, 1 / 6.0, 2 / 6.0, 3 / 6.0}, within(1e-12));
        double[] sel = {0.3, 0.1, 0.2, 0.4}, val = {10, 20, 30, 40};
        // The 6 pairs pick 10 ({0,1}), 10 ({0,2}), 40 ({0,3}), 30 ({1,2}), 40 ({1,3}), 40 ({2,3}): 170 / 6.
        assertThat(BestOfN.expectedPick(sel, val, 2)).isCloseTo(170 / 6.0, within(1e-9));
        assertThat(BestOfN.expectedPick(sel, val, 1)).isCloseTo(25, within(1e-9)); // the mean
        assertThat(BestOfN.expectedPick(sel, val, 4)).isCloseTo(40, within(1e-9)); // the selector's top sample
        // Tied selector scores: {0,1} picks either (15 on average), {0,2} picks 10, {1,2} picks 20 → 15.
        assertThat(BestOfN.expectedPick(new double[] {1, 1, 0}, new double[] {10, 20, 0}, 2)).isCloseTo(15, within(1e-9));
        assertThatThrownBy(() -> BestOfN.expectedPick(sel, val, 5)).hasMessageContaining("n must be in 1..4");
        // n = 1 does not depend on the selector to the last bit (a paired difference of two selectors is exactly 0).
        double[] v = {0.1, 0.7, 0.2, 0.3, 1.3, 0.11, 0.9};
        assertThat(BestOfN.expectedPick(new double[] {7, 6, 5, 4, 3, 2, 1}, v, 1))
                .isEqualTo(BestOfN.expectedPick(new double[] {1, 2, 3, 4, 5, 6, 7}, v, 1));
    }

    @Test
    void bestOfNMatchesEnumerationOfEverySubset() {
        SplittableRandom r = new SplittableRandom(3);
        int total = 9;
        double[] sel = new double[total], val = new double[total];
        for (int i = 0; i < total; i++) {
            sel[i] = r.nextDouble();
            val[i] = r.nextInt(5); // ties in value do not matter
        }
        for (int n = 1; n <= total; n++) {
            double sum = 0;
            int subsets = 0;
            for (int mask = 0; mask < 1 << total; mask++) {
                if (Integer.bitCount(mask) != n) continue;
                int best = -1;
                for (int i = 0; i < total; i++) if ((mask >> i & 1) == 1 && (best < 0 || sel[i] > sel[best])) best = i;
                sum += val[best];
                subsets++;
            }
            assertThat(BestOfN.expectedPick(sel, val, n)).as("n = " + n).isCloseTo(sum / subsets, within(1e-9));
        }
    }

    @Test
    void promptPairsAgainstGold() {
        // (0,1): gold says 1 < 2, reward says 0.5 > 0.1: wrong. (0,2): 1 < 2 and 0.5 < 0.9: right. (1,2): gold tie, left out.
        PromptPairs.Counts c = PromptPairs.count(new double[] {1, 2, 2}, new double[] {0.5, 0.1, 0.9}, new double[0]);
        assertThat(c.pairs()).isEqualTo(2);
        assertThat(c.credit()).isEqualTo(1);
        // A reward tie counts ½; bands by |Δ gold| ≤ 1 and > 1: (0,1) ½ and (1,2) 1 in band 0, (0,2) 1 in band 1.
        PromptPairs.Counts t = PromptPairs.count(new double[] {0, 1, 2}, new double[] {0, 0, 1}, new double[] {1});
        assertThat(t.pairs()).isEqualTo(3);
        assertThat(t.credit()).isEqualTo(2.5);
        assertThat(t.bandPairs()).containsExactly(2, 1);
        assertThat(t.bandCredit()).containsExactly(1.5, 1.0);
    }

    @Test
    void differenceLossIsMetaRmsJ() {
        assertThat(PromptPairs.differenceLoss(new double[] {0, 0})).isCloseTo(0.25, within(EPS)); // (2/4)·σ(0)
        assertThat(PromptPairs.differenceLoss(new double[] {0, Math.log(3)})).isCloseTo(0.375, within(EPS)); // (2/4)·¾
        assertThat(PromptPairs.differenceLoss(new double[] {0, 0, 0})).isCloseTo(1.0 / 3, within(EPS)); // (2/9)·3·½
        assertThat(PromptPairs.differenceLoss(new double[] {1})).isNaN();
    }

    @Test
    void goldGapsAndQuartileEdges() {
        assertThat(PromptPairs.goldGaps(new double[][] {{0, 1, 1}, {2, 5}})).containsExactly(1, 1, 3);
        assertThat(PromptPairs.quartileEdges(new double[] {5, 1, 4, 2, 3})).containsExactly(2, 3, 4);
        // q25 = q50 = 1, q75 = 1 + 0.25·(2 − 1): duplicates dropped
        assertThat(PromptPairs.quartileEdges(new double[] {1, 1, 1, 2})).containsExactly(1, 1.25);
        assertThat(PromptPairs.quartileEdges(new double[0])).isEmpty();
    }
}
