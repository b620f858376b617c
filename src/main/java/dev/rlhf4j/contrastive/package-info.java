/**
 * Contrastive learning for reward models (the paper's §4): {@link dev.rlhf4j.contrastive.SimCse} and
 * {@link dev.rlhf4j.contrastive.Swav} (prototypes and Sinkhorn–Knopp codes) over the
 * {@link dev.rlhf4j.contrastive.Representations} of pairs or their differences, and
 * {@link dev.rlhf4j.contrastive.TwoViews}, the objective over two dropout views that training adds to the
 * pairwise loss; {@link dev.rlhf4j.contrastive.ContrastiveObjectives} builds the one a config names.
 */
package dev.rlhf4j.contrastive;
