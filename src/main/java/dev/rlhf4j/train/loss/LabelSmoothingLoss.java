package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;

/**
 * Label smoothing (paper Eq. 5): L = −(1−α) log σ(Δ) − α log(1 − σ(Δ)), Δ = r_c − r_r.
 * α is the pair's own weight when the data carries one ({@code label_smoothing}), else the default.
 */
public final class LabelSmoothingLoss implements PairwiseLoss {
    private final float alpha;

    public LabelSmoothingLoss(float alpha) {
        this.alpha = alpha;
    }

    @Override
    public NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets) {
        return smoothed(chosen.sub(rejected), targets.smoothing(), alpha);
    }

    /** (1−α) softplus(−z) + α softplus(z), with α per pair when given. */
    static NDArray smoothed(NDArray z, NDArray perPairAlpha, float alpha) {
        NDArray pos = PairwiseLoss.negLogSigmoid(z);
        NDArray neg = PairwiseLoss.negLogSigmoid(z.neg());
        if (perPairAlpha == null) {
            return Scalars.mul(pos, 1f - alpha).add(Scalars.mul(neg, alpha));
        }
        return pos.mul(perPairAlpha.neg().add(1f)).add(neg.mul(perPairAlpha));
    }

    @Override
    public double defaultSmoothing() {
        return alpha;
    }

    @Override
    public String name() {
        return "smooth";
    }
}
