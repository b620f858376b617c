/**
 * Closing the RLHF loop on the JVM: supervised fine-tuning of a decoder policy ({@link dev.rlhf4j.rl.SftTrainer}),
 * PPO against any reward model ({@link dev.rlhf4j.rl.PpoTrainer}), MetaRM ({@link dev.rlhf4j.rl.MetaRm}), rounds of
 * both ({@link dev.rlhf4j.rl.RlhfPipeline}) and win/tie/lose judging of two policies ({@link dev.rlhf4j.rl.Judging}).
 */
package dev.rlhf4j.rl;
