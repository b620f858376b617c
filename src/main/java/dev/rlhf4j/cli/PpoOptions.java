package dev.rlhf4j.cli;

import dev.rlhf4j.rl.PpoConfig;
import picocli.CommandLine.Option;

/** PPO's options, shared by {@code ppo} and {@code rlhf}. */
public final class PpoOptions {
    @Option(names = "--iterations", defaultValue = PpoConfig.Defaults.ITERATIONS, description = "PPO iterations; 100 keeps rlhf --rounds 2 (three PPO runs) near 30 minutes on 2 cores (default: ${DEFAULT-VALUE}).")
    int iterations;
    @Option(names = "--prompts-per-iter", defaultValue = PpoConfig.Defaults.PROMPTS_PER_ITER, description = "Prompts per iteration (default: ${DEFAULT-VALUE}).")
    int promptsPerIter;
    @Option(names = "--rollouts", defaultValue = PpoConfig.Defaults.ROLLOUTS, description = "Responses per prompt (default: ${DEFAULT-VALUE}, the paper's).")
    int rollouts;
    @picocli.CommandLine.Mixin SamplingOptions sampling;
    @Option(names = "--kl-beta", defaultValue = PpoConfig.Defaults.KL_BETA, description = "β of the token-level KL penalty to the reference; 0 exposes RM weaknesses (default: ${DEFAULT-VALUE}, the paper's MetaRM runs).")
    double klBeta;
    @Option(names = "--reward-clip", defaultValue = PpoConfig.Defaults.REWARD_CLIP, description = "Clip of the normalised reward (default: ${DEFAULT-VALUE}; the paper clips raw 7B-RM scores at 0.8).")
    double rewardClip;
    @Option(names = "--no-reward-norm", description = "Use raw reward-model scores (default: normalised by running mean and std).")
    boolean noNorm;
    @Option(names = "--gamma", defaultValue = PpoConfig.Defaults.GAMMA, description = "GAE γ (default: ${DEFAULT-VALUE}, the paper's).")
    double gamma;
    @Option(names = "--lambda", defaultValue = PpoConfig.Defaults.LAMBDA, description = "GAE λ (default: ${DEFAULT-VALUE}, the paper's).")
    double lambda;
    @Option(names = "--clip", defaultValue = PpoConfig.Defaults.CLIP, description = "Policy ratio clip (default: ${DEFAULT-VALUE}, the paper's).")
    double clip;
    @Option(names = "--value-clip", defaultValue = PpoConfig.Defaults.VALUE_CLIP, description = "Value clip (default: ${DEFAULT-VALUE}, the paper's).")
    double valueClip;
    @Option(names = "--ppo-epochs", defaultValue = PpoConfig.Defaults.EPOCHS, description = "Passes over each rollout batch (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--minibatch", defaultValue = PpoConfig.Defaults.MINIBATCH, description = "Sequences per gradient step (default: ${DEFAULT-VALUE}).")
    int minibatch;
    @Option(names = "--actor-lr", defaultValue = PpoConfig.Defaults.ACTOR_LR, description = "Actor learning rate (default: ${DEFAULT-VALUE}; the paper's 5e-7 is for 7B).")
    double actorLr;
    @Option(names = "--critic-lr", defaultValue = PpoConfig.Defaults.CRITIC_LR, description = "Critic learning rate (default: ${DEFAULT-VALUE}; the paper's 1.5e-6 is for 7B).")
    double criticLr;
    @picocli.CommandLine.Mixin OptimizerOptions optimizer = OptimizerOptions.policy(0);
    @Option(names = "--clip-norm", defaultValue = PpoConfig.Defaults.CLIP_NORM, description = "Gradient-norm clip (default: ${DEFAULT-VALUE}).")
    double clipNorm;
    @picocli.CommandLine.Mixin SeedOption seed;
    @Option(names = "--checkpoint-every", defaultValue = PpoConfig.Defaults.CHECKPOINT_EVERY, description = "Iterations between resume checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--max-prompt-tokens", defaultValue = PpoConfig.Defaults.MAX_PROMPT_TOKENS, description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;

    public PpoConfig config() {
        return PpoConfig.builder().iterations(iterations).promptsPerIter(promptsPerIter).rollouts(rollouts)
                .maxNewTokens(sampling.maxNew).temperature(sampling.temperature).topP(sampling.topP)
                .repetitionPenalty(sampling.repetition).klBeta(klBeta).rewardClip(rewardClip).normalizeRewards(!noNorm)
                .gamma(gamma).lambda(lambda).clip(clip).valueClip(valueClip).epochs(epochs).minibatch(minibatch)
                .actorOptim(optimizer.config(actorLr)).criticOptim(optimizer.config(criticLr)).clipNorm(clipNorm).seed(seed.get()).checkpointEvery(checkpointEvery)
                .maxPromptTokens(maxPrompt).build();
    }
}
