/** Best-model and resume checkpoints: weights, optimizer moments and the data cursor. */
package dev.rlhf4j.train.checkpoint;
