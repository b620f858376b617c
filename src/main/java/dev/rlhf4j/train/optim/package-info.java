/** AdamW with saved moments, the learning-rate schedule, gradient clipping and zeroing. */
package dev.rlhf4j.train.optim;
