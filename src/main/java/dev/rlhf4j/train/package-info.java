/** Reward-model training: the loop (RewardTrainer), its config, listeners for progress, metrics and checkpoints, and TrainJob, the one-call entry point. */
package dev.rlhf4j.train;
