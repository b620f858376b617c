package dev.rlhf4j.train;

import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.train.optim.AdamW;

/** Hooks of the training loop: progress, metrics files, checkpoints. */
public interface TrainListener {

    /**
     * Statistics of one optimizer step.
     *
     * @param loss            the reward (pairwise) loss
     * @param contrastiveLoss the contrastive loss L_cl before its weight β, NaN when contrastive learning is off
     */
    record StepStats(long step, long totalSteps, int epoch, double loss, double accuracy, double lr, double gradNorm,
                     boolean skipped, long tokens, double stepSeconds, double elapsedSeconds, double contrastiveLoss) {}

    default void onStart(long totalSteps, TrainState state) {}

    default void onStep(StepStats stats) {}

    default void onEval(long step, PairMetrics metrics, boolean best, RewardModel model) {}

    /** A consistent point to persist everything a resume needs. */
    default void onCheckpoint(RewardModel model, AdamW optimizer, TrainState state) {}

    default void onEnd(TrainResult result) {}
}
