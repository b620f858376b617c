/** Metrics of a reward model on pairs: accuracy, loss, reward gap, ECE, Brier; breakdowns and gold-label evaluation. */
package dev.rlhf4j.eval;
