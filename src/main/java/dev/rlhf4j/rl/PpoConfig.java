package dev.rlhf4j.rl;

import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.train.optim.OptimConfig;

/**
 * PPO settings; build with {@link #builder()} (defaults in {@link Defaults}, which the CLI's options name too). The
 * paper's (METHODS.md §6) where they carry over: temperature 0.8, top-p 0.9, repetition penalty 1.1, 4 rollouts per
 * prompt, GAE λ 0.95, γ 1, clip 0.2 for policy and value. Changed for a CPU-sized policy (stated in {@code --help}):
 * learning rates (the paper's 5e-7 / 1.5e-6 are for 7B models; a 0.5M-parameter policy trained from scratch needs
 * ~1e-4), 48 new tokens at most (the task's answers are short), and rewards normalised by running moments then
 * clipped at 5 (the paper clips the raw score at 0.8 in the MetaRM runs; on normalised rewards that would cut most of
 * the signal).
 *
 * @param iterations       PPO iterations (rollout batch, then update)
 * @param promptsPerIter   prompts per iteration
 * @param rollouts         responses per prompt
 * @param maxNewTokens     tokens generated at most
 * @param temperature      sampling temperature
 * @param topP             nucleus mass
 * @param repetitionPenalty repetition penalty
 * @param klBeta           β of the token-level KL penalty to the reference; 0 allowed
 * @param rewardClip       clip of the normalised reward
 * @param normalizeRewards divide by running moments
 * @param gamma            GAE γ
 * @param lambda           GAE λ
 * @param clip             policy ratio clip ε
 * @param valueClip        value clip
 * @param epochs           passes over each rollout batch
 * @param minibatch        sequences per gradient step
 * @param actorOptim       the actor's AdamW (learning rate; the paper's betas, ε 1e-8, no weight decay)
 * @param criticOptim      the critic's AdamW
 * @param clipNorm         gradient-norm clip (each model's own)
 * @param seed             sampling and order seed
 * @param checkpointEvery  iterations between checkpoints
 * @param maxPromptTokens  prompt tokens kept
 * @param algorithm        PPO or a critic-free algorithm (METHODS.md §9); the critic options apply to PPO only
 * @param klInReward       GRPO / Dr. GRPO: β·KL in the sequence reward instead of the k3 loss term
 * @param snapshots        iterations after which the actor is kept as a policy directory {@code snapshots/iter-XXXX}
 *                         (0: the starting policy); empty: 0, every {@code checkpointEvery} and the last
 * @param recompute        activation recomputation in the actor's and the critic's decoders (engine.Recompute)
 */
public record PpoConfig(int iterations, int promptsPerIter, int rollouts, int maxNewTokens, double temperature,
                        double topP, double repetitionPenalty, double klBeta, double rewardClip, boolean normalizeRewards,
                        double gamma, double lambda, double clip, double valueClip, int epochs, int minibatch,
                        OptimConfig actorOptim, OptimConfig criticOptim, double clipNorm, long seed, int checkpointEvery,
                        int maxPromptTokens, Algorithm algorithm, boolean klInReward, java.util.List<Integer> snapshots,
                        boolean recompute) {

    /** The defaults, as text so that picocli's {@code defaultValue}s name the same constants. */
    public static final class Defaults {
        public static final String ITERATIONS = "100", PROMPTS_PER_ITER = "16", ROLLOUTS = "4", MAX_NEW_TOKENS = "48",
                TEMPERATURE = "0.8", TOP_P = "0.9", REPETITION_PENALTY = "1.1", KL_BETA = "0.05", REWARD_CLIP = "5",
                GAMMA = "1.0", LAMBDA = "0.95", CLIP = "0.2", VALUE_CLIP = "0.2", EPOCHS = "2", MINIBATCH = "32",
                ACTOR_LR = "1e-4", CRITIC_LR = "2e-4", CLIP_NORM = "1.0", SEED = dev.rlhf4j.train.TrainConfig.Defaults.SEED, CHECKPOINT_EVERY = "25",
                MAX_PROMPT_TOKENS = "64", ALGORITHM = "ppo";

        private Defaults() {}
    }

    public PpoConfig {
        if (iterations < 1 || promptsPerIter < 1 || rollouts < 1 || epochs < 1 || minibatch < 1) {
            throw new IllegalArgumentException("iterations, prompts per iteration, rollouts, epochs and minibatch must be ≥ 1");
        }
        if (klBeta < 0) throw new IllegalArgumentException("--kl-beta must be ≥ 0, got " + klBeta);
        if (algorithm == null) throw new IllegalArgumentException("no algorithm");
        if (!algorithm.usesCritic() && rollouts < 2) {
            throw new IllegalArgumentException("--algorithm " + algorithm + " takes its baseline from the other rollouts of a prompt: --rollouts must be ≥ 2, got " + rollouts);
        }
        if (klInReward && !algorithm.klPlacementIsAnOption()) {
            throw new IllegalArgumentException("--kl-in-reward applies to grpo and dr-grpo; " + algorithm + " always puts the KL in the reward");
        }
        snapshots = snapshots == null ? java.util.List.of() : java.util.List.copyOf(snapshots);
        for (int s : snapshots) {
            if (s < 0 || s > iterations) throw new IllegalArgumentException("--snapshots: iteration " + s + " is outside 0.." + iterations);
        }
    }

    /** Whether the actor after {@code iteration} iterations (0: before the first) is kept as a snapshot. */
    public boolean snapshotAt(int iteration) {
        if (!snapshots.isEmpty()) return snapshots.contains(iteration);
        return iteration == 0 || iteration == iterations || iteration % checkpointEvery == 0;
    }

    /** PPO's rollout sampling (temperature, top-p, repetition penalty, length) with {@code seed}; judging reuses it. */
    public GenerationConfig sampling(long seed) {
        return new GenerationConfig(maxNewTokens, false, temperature, 0, topP, repetitionPenalty, java.util.List.of(), true,
                true, seed);
    }

    public static PpoConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().iterations(iterations).promptsPerIter(promptsPerIter).rollouts(rollouts).maxNewTokens(maxNewTokens)
                .temperature(temperature).topP(topP).repetitionPenalty(repetitionPenalty).klBeta(klBeta).rewardClip(rewardClip)
                .normalizeRewards(normalizeRewards).gamma(gamma).lambda(lambda).clip(clip).valueClip(valueClip).epochs(epochs)
                .minibatch(minibatch).actorOptim(actorOptim).criticOptim(criticOptim).clipNorm(clipNorm).seed(seed)
                .checkpointEvery(checkpointEvery).maxPromptTokens(maxPromptTokens).algorithm(algorithm).klInReward(klInReward).snapshots(snapshots)
                .recompute(recompute);
    }

    /** Named setters over {@link Defaults}. */
    public static final class Builder {
        private int iterations = i(Defaults.ITERATIONS), promptsPerIter = i(Defaults.PROMPTS_PER_ITER),
                rollouts = i(Defaults.ROLLOUTS), maxNewTokens = i(Defaults.MAX_NEW_TOKENS), epochs = i(Defaults.EPOCHS),
                minibatch = i(Defaults.MINIBATCH), checkpointEvery = i(Defaults.CHECKPOINT_EVERY),
                maxPromptTokens = i(Defaults.MAX_PROMPT_TOKENS);
        private double temperature = d(Defaults.TEMPERATURE), topP = d(Defaults.TOP_P),
                repetitionPenalty = d(Defaults.REPETITION_PENALTY), klBeta = d(Defaults.KL_BETA),
                rewardClip = d(Defaults.REWARD_CLIP), gamma = d(Defaults.GAMMA), lambda = d(Defaults.LAMBDA),
                clip = d(Defaults.CLIP), valueClip = d(Defaults.VALUE_CLIP), clipNorm = d(Defaults.CLIP_NORM);
        private OptimConfig actorOptim = OptimConfig.adamW(d(Defaults.ACTOR_LR), OptimConfig.EPS_POLICY),
                criticOptim = OptimConfig.adamW(d(Defaults.CRITIC_LR), OptimConfig.EPS_POLICY);
        private boolean normalizeRewards = true, klInReward = false, recompute = false;
        private Algorithm algorithm = Algorithm.parse(Defaults.ALGORITHM);
        private long seed = Long.parseLong(Defaults.SEED);
        private java.util.List<Integer> snapshots = java.util.List.of();

        private Builder() {}

        private static int i(String s) {
            return Integer.parseInt(s);
        }

        private static double d(String s) {
            return Double.parseDouble(s);
        }

        public Builder iterations(int v) { iterations = v; return this; }
        public Builder promptsPerIter(int v) { promptsPerIter = v; return this; }
        public Builder rollouts(int v) { rollouts = v; return this; }
        public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
        public Builder temperature(double v) { temperature = v; return this; }
        public Builder topP(double v) { topP = v; return this; }
        public Builder repetitionPenalty(double v) { repetitionPenalty = v; return this; }
        public Builder klBeta(double v) { klBeta = v; return this; }
        public Builder rewardClip(double v) { rewardClip = v; return this; }
        public Builder normalizeRewards(boolean v) { normalizeRewards = v; return this; }
        public Builder gamma(double v) { gamma = v; return this; }
        public Builder lambda(double v) { lambda = v; return this; }
        public Builder clip(double v) { clip = v; return this; }
        public Builder valueClip(double v) { valueClip = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder minibatch(int v) { minibatch = v; return this; }
        public Builder actorLr(double v) { actorOptim = actorOptim.withLr(v); return this; }
        public Builder criticLr(double v) { criticOptim = criticOptim.withLr(v); return this; }
        public Builder actorOptim(OptimConfig v) { actorOptim = v; return this; }
        public Builder criticOptim(OptimConfig v) { criticOptim = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder maxPromptTokens(int v) { maxPromptTokens = v; return this; }
        public Builder algorithm(Algorithm v) { algorithm = v; return this; }
        public Builder klInReward(boolean v) { klInReward = v; return this; }
        public Builder snapshots(java.util.List<Integer> v) { snapshots = v; return this; }
        public Builder recompute(boolean v) { recompute = v; return this; }

        public PpoConfig build() {
            return new PpoConfig(iterations, promptsPerIter, rollouts, maxNewTokens, temperature, topP, repetitionPenalty,
                    klBeta, rewardClip, normalizeRewards, gamma, lambda, clip, valueClip, epochs, minibatch, actorOptim,
                    criticOptim, clipNorm, seed, checkpointEvery, maxPromptTokens, algorithm, klInReward, snapshots, recompute);
        }
    }
}
