package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;

/** Bradley–Terry: L = −log σ(r_c − r_r). The paper's baseline. */
public final class BradleyTerryLoss implements PairwiseLoss {
    @Override
    public NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets) {
        return PairwiseLoss.negLogSigmoid(chosen.sub(rejected));
    }

    @Override
    public String name() {
        return "bt";
    }
}
