package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * Soft label + margin: L = −(1−α) log σ(Δ − m) − α log(1 − σ(Δ − m)). In the paper's recipe the
 * smoothing applies only to pairs with μ̂ &lt; 0: {@code denoise} writes that per-pair α.
 */
public final class SmoothMarginLoss implements PairwiseLoss {
    private final float alpha;

    public SmoothMarginLoss(float alpha) {
        this.alpha = alpha;
    }

    @Override
    public NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets) {
        return LabelSmoothingLoss.smoothed(chosen.sub(rejected).sub(targets.margin()), targets.smoothing(), alpha);
    }

    @Override
    public double defaultSmoothing() {
        return alpha;
    }

    @Override
    public String name() {
        return "smooth+margin";
    }

    @Override
    public boolean needsMargin() {
        return true;
    }
}
