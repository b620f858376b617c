package dev.rlhf4j.train;

import dev.rlhf4j.eval.PairMetrics;

/**
 * @param last  validation metrics of the final weights (null without a validation set)
 * @param best  the best validation metrics seen (null without a validation set)
 */
public record TrainResult(TrainState state, PairMetrics last, PairMetrics best, double meanStepSeconds,
                          double tokensPerSecond) {}
