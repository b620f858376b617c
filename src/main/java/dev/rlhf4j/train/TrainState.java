package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a run stands, saved with each resume checkpoint: the data cursor (epoch and next batch), the optimizer
 * and micro-step counters (the engine is seeded from the micro step), the best validation so far, and the steps
 * whose gradient was non-finite: replayed (recomputed with the same seeds) and skipped (non-finite again).
 */
public record TrainState(int epoch, int nextBatch, long optimizerSteps, long microSteps, double bestAccuracy,
                         double bestLoss, long bestStep, long skippedSteps, long replayedSteps, double elapsedSeconds) {

    public static TrainState start() {
        return new TrainState(0, 0, 0, 0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -1, 0, 0, 0);
    }

    public TrainState at(int epoch, int nextBatch) {
        return new TrainState(epoch, nextBatch, optimizerSteps, microSteps, bestAccuracy, bestLoss, bestStep, skippedSteps,
                replayedSteps, elapsedSeconds);
    }

    public TrainState withBest(double accuracy, double loss, long step) {
        return new TrainState(epoch, nextBatch, optimizerSteps, microSteps, accuracy, loss, step, skippedSteps,
                replayedSteps, elapsedSeconds);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("epoch", epoch);
        o.put("next_batch", nextBatch);
        o.put("optimizer_steps", optimizerSteps);
        o.put("micro_steps", microSteps);
        o.put("best_accuracy", Double.isFinite(bestAccuracy) ? bestAccuracy : -1);
        o.put("best_loss", Double.isFinite(bestLoss) ? bestLoss : -1);
        o.put("best_step", bestStep);
        o.put("skipped_steps", skippedSteps);
        o.put("replayed_steps", replayedSteps);
        o.put("elapsed_seconds", elapsedSeconds);
        return o;
    }

    public static TrainState fromJson(JsonNode o) {
        double ba = o.path("best_accuracy").asDouble(-1);
        double bl = o.path("best_loss").asDouble(-1);
        return new TrainState(o.path("epoch").asInt(), o.path("next_batch").asInt(), o.path("optimizer_steps").asLong(),
                o.path("micro_steps").asLong(), ba < 0 ? Double.NEGATIVE_INFINITY : ba, bl < 0 ? Double.POSITIVE_INFINITY : bl,
                o.path("best_step").asLong(-1), o.path("skipped_steps").asLong(), o.path("replayed_steps").asLong(),
                o.path("elapsed_seconds").asDouble());
    }
}
