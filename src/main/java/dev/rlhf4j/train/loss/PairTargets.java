package dev.rlhf4j.train.loss;

import ai.djl.ndarray.NDArray;

/**
 * Per-pair targets a loss may read, each (B) or null when absent.
 *
 * @param margin    the pair's margin m_i (already scaled), e.g. its preference strength μ̂_i
 * @param smoothing the pair's label-smoothing weight α_i
 */
public record PairTargets(NDArray margin, NDArray smoothing) {}
