/**
 * Plain-Java statistics for judging policies and reward models: the bootstrap over clusters (distinct prompts),
 * Kendall's τ-b, the exact best-of-n estimator and KL of best-of-n, and the within-prompt pair accounting of a
 * reward model against gold (accuracy, |Δ gold| bands, MetaRM's difference loss J). No DJL types.
 */
package dev.rlhf4j.eval.stats;
