/** Pairwise losses, one class per variant with its formula: Bradley–Terry, margin, label smoothing, smoothing with margin. */
package dev.rlhf4j.train.loss;
