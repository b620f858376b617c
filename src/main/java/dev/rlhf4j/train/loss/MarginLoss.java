package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * Adaptive margin (paper Eq. 6, in the form intended as in Llama 2): L = −log σ(r_c − r_r − m),
 * where m is the pair's margin, e.g. its ensemble mean preference difference μ̂.
 */
public final class MarginLoss implements PairwiseLoss {
    @Override
    public NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets) {
        return PairwiseLoss.negLogSigmoid(chosen.sub(rejected).sub(targets.margin()));
    }

    @Override
    public String name() {
        return "margin";
    }

    @Override
    public boolean needsMargin() {
        return true;
    }
}
