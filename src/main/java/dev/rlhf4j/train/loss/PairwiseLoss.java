package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * A loss over preference pairs, from the rewards of the chosen and the rejected responses.
 * −log σ(z) is computed as softplus(−z), which stays finite for large |z|.
 */
public interface PairwiseLoss {

    /** Per-pair losses, shape (B). */
    NDArray perPair(NDArray chosen, NDArray rejected, PairTargets targets);

    /** Name used on the command line and in metrics. */
    String name();

    /** Whether the loss reads per-pair margins (so a training set without them is an error). */
    default boolean needsMargin() {
        return false;
    }

    /** The smoothing weight α for pairs that carry none of their own (0 for unsmoothed losses). */
    default double defaultSmoothing() {
        return 0;
    }

    /** −log σ(z) = softplus(−z). */
    static NDArray negLogSigmoid(NDArray z) {
        return Activation.softPlus(z.neg());
    }

    /** The loss for a command-line name: {@code bt}, {@code margin}, {@code smooth}, {@code smooth+margin}. */
    static PairwiseLoss byName(String name, double defaultSmoothing) {
        return switch (name.trim().toLowerCase()) {
            case "bt" -> new BradleyTerryLoss();
            case "margin" -> new MarginLoss();
            case "smooth" -> new LabelSmoothingLoss((float) defaultSmoothing);
            case "smooth+margin" -> new SmoothMarginLoss((float) defaultSmoothing);
            default -> throw new IllegalArgumentException(
                    "unknown loss '" + name + "' (expected bt, margin, smooth or smooth+margin)");
        };
    }
}
