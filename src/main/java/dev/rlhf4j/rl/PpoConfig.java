package dev.rlhf4j.rl;

/**
 * PPO settings. The paper's (METHODS.md §6) where they carry over: temperature 0.8, top-p 0.9, repetition penalty
 * 1.1, 4 rollouts per prompt, GAE λ 0.95, γ 1, clip 0.2 for policy and value. Changed for a CPU-sized policy
 * (stated in {@code --help}): learning rates (the paper's 5e-7 / 1.5e-6 are for 7B models; a 0.5M-parameter
 * policy trained from scratch needs ~1e-4), 48 new tokens at most (the task's answers are short), and rewards
 * normalised by running moments then clipped at 5 (the paper clips the raw score at 0.8 in the MetaRM runs; on
 * normalised rewards that would cut most of the signal).
 *
 * @param iterations       PPO iterations (rollout batch, then update) (100)
 * @param promptsPerIter   prompts per iteration (16)
 * @param rollouts         responses per prompt (4)
 * @param maxNewTokens     tokens generated at most (48)
 * @param temperature      sampling temperature (0.8)
 * @param topP             nucleus mass (0.9)
 * @param repetitionPenalty repetition penalty (1.1)
 * @param klBeta           β of the token-level KL penalty to the reference; 0 allowed (0.05)
 * @param rewardClip       clip of the normalised reward (5)
 * @param normalizeRewards divide by running moments (true)
 * @param gamma            GAE γ (1)
 * @param lambda           GAE λ (0.95)
 * @param clip             policy ratio clip ε (0.2)
 * @param valueClip        value clip (0.2)
 * @param epochs           passes over each rollout batch (2)
 * @param minibatch        sequences per gradient step (32)
 * @param actorLr          actor learning rate (1e-4)
 * @param criticLr         critic learning rate (2e-4)
 * @param clipNorm         gradient-norm clip (1.0)
 * @param seed             sampling and order seed (42)
 * @param checkpointEvery  iterations between checkpoints (25)
 * @param maxPromptTokens  prompt tokens kept (64)
 */
public record PpoConfig(int iterations, int promptsPerIter, int rollouts, int maxNewTokens, double temperature,
                        double topP, double repetitionPenalty, double klBeta, double rewardClip, boolean normalizeRewards,
                        double gamma, double lambda, double clip, double valueClip, int epochs, int minibatch,
                        double actorLr, double criticLr, double clipNorm, long seed, int checkpointEvery, int maxPromptTokens) {
    public PpoConfig {
        if (iterations < 1 || promptsPerIter < 1 || rollouts < 1 || epochs < 1 || minibatch < 1) {
            throw new IllegalArgumentException("iterations, prompts per iteration, rollouts, epochs and minibatch must be ≥ 1");
        }
        if (klBeta < 0) throw new IllegalArgumentException("--kl-beta must be ≥ 0, got " + klBeta);
    }

    /** PPO's rollout sampling (temperature, top-p, repetition penalty, length) with {@code seed}; judging reuses it. */
    public dev.rlhf4j.model.decoder.GenerationConfig sampling(long seed) {
        return new dev.rlhf4j.model.decoder.GenerationConfig(maxNewTokens, false, temperature, 0, topP, repetitionPenalty,
                java.util.List.of(), true, true, seed);
    }

    public static PpoConfig defaults() {
        return new PpoConfig(100, 16, 4, 48, 0.8, 0.9, 1.1, 0.05, 5.0, true, 1.0, 0.95, 0.2, 0.2, 2, 32,
                1e-4, 2e-4, 1.0, 42, 25, 64);
    }

    public PpoConfig withIterations(int n) {
        return new PpoConfig(n, promptsPerIter, rollouts, maxNewTokens, temperature, topP, repetitionPenalty, klBeta,
                rewardClip, normalizeRewards, gamma, lambda, clip, valueClip, epochs, minibatch, actorLr, criticLr, clipNorm,
                seed, checkpointEvery, maxPromptTokens);
    }

    public PpoConfig withKlBeta(double b) {
        return new PpoConfig(iterations, promptsPerIter, rollouts, maxNewTokens, temperature, topP, repetitionPenalty, b,
                rewardClip, normalizeRewards, gamma, lambda, clip, valueClip, epochs, minibatch, actorLr, criticLr, clipNorm,
                seed, checkpointEvery, maxPromptTokens);
    }

    public PpoConfig withSeed(long s) {
        return new PpoConfig(iterations, promptsPerIter, rollouts, maxNewTokens, temperature, topP, repetitionPenalty, klBeta,
                rewardClip, normalizeRewards, gamma, lambda, clip, valueClip, epochs, minibatch, actorLr, criticLr, clipNorm,
                s, checkpointEvery, maxPromptTokens);
    }

    public PpoConfig withPromptsPerIter(int n) {
        return new PpoConfig(iterations, n, rollouts, maxNewTokens, temperature, topP, repetitionPenalty, klBeta,
                rewardClip, normalizeRewards, gamma, lambda, clip, valueClip, epochs, minibatch, actorLr, criticLr, clipNorm,
                seed, checkpointEvery, maxPromptTokens);
    }
}
