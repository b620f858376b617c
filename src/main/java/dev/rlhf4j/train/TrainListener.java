package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.train.optim.AdamW;

import java.util.Map;

/** Hooks of {@link Loop}: progress, the metrics file, checkpoints (and tests that stop a run). */
public interface TrainListener {

    /**
     * Statistics of one optimizer step.
     *
     * @param loss     the step's loss (mean over its micro-batches)
     * @param stats    the trainer's own values (e.g. {@code accuracy}), means over the micro-batches, in a fixed order
     * @param replayed the gradient was non-finite and the step's micro-batches were recomputed
     * @param skipped  the gradient was non-finite after the replay too, and no update was applied
     */
    record StepStats(long step, long totalSteps, int epoch, double loss, Map<String, Double> stats, double lr,
                     double gradNorm, boolean skipped, boolean replayed, long tokens, double stepSeconds,
                     double elapsedSeconds) {}

    /**
     * A validation.
     *
     * @param metrics  what {@code metrics.jsonl}'s eval record holds
     * @param summary  one line for the progress output
     * @param best     the best validation so far (the checkpoint keeps this model)
     * @param accuracy what "best" compares first (higher is better; NaN when nothing is compared)
     * @param loss     what breaks a tie (lower is better)
     */
    record Evaluation(ObjectNode metrics, String summary, boolean best, double accuracy, double loss) {}

    default void onStart(long totalSteps, TrainState state) {}

    default void onStep(StepStats stats) {}

    default void onEval(long step, Evaluation evaluation) {}

    /** A consistent point to persist everything a resume needs: the state and the loop's named optimizers. */
    default void onCheckpoint(TrainState state, Map<String, AdamW> optimizers) {}

    default void onEnd(TrainState state) {}
}
