package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;

/**
 * A pairwise loss plus TRL's reward-centring term (RewardConfig {@code center_rewards_coefficient}, after Eisenstein et
 * al. 2023): L = inner + C · (r_c + r_r)² per pair, so the batch mean is inner's mean + C · mean((r_c + r_r)²), TRL's
 * formula. It pulls the rewards of each pair towards a zero mean without touching their difference.
 */
public final class CenteredRewardsLoss implements PairwiseLoss {
    private final PairwiseLoss inner;
    private final float coefficient;

    /** @param coefficient C &gt; 0 (0 is no centring: use the inner loss itself) */
    public CenteredRewardsLoss(PairwiseLoss inner, double coefficient) {
        if (!(coefficient > 0) || Double.isInfinite(coefficient)) {
            throw new IllegalArgumentException("--center-rewards must be a finite positive coefficient, got " + coefficient);
        }
        this.inner = inner;
        this.coefficient = (float) coefficient;
    }

    /** {@code loss} with the centring term when {@code coefficient} &gt; 0, else {@code loss} unchanged. */
    public static PairwiseLoss of(PairwiseLoss loss, double coefficient) {
        if (coefficient < 0) throw new IllegalArgumentException("--center-rewards must be >= 0, got " + coefficient);
        return coefficient == 0 ? loss : new CenteredRewardsLoss(loss, coefficient);
    }

    @Override
    public NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets) {
        NDArray sum = chosen.add(rejected);
        return inner.perPair(chosen, rejected, targets).add(Scalars.mul(sum.mul(sum), coefficient));
    }

    public double coefficient() {
        return coefficient;
    }

    public PairwiseLoss inner() {
        return inner;
    }

    /** The inner loss's name: the centring term is recorded beside it ({@code center_rewards}), not in it. */
    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean needsMargin() {
        return inner.needsMargin();
    }

    @Override
    public double defaultSmoothing() {
        return inner.defaultSmoothing();
    }
}
