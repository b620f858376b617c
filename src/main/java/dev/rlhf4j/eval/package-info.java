/** Metrics of a reward model on pairs: accuracy, loss, reward gap, ECE, Brier; breakdowns, gold-label evaluation,
 * and the separation of chosen and rejected representations. */
package dev.rlhf4j.eval;
