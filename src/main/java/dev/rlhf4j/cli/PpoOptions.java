package dev.rlhf4j.cli;

import dev.rlhf4j.rl.PpoConfig;
import picocli.CommandLine.Option;

/** PPO's options, shared by {@code ppo} and {@code rlhf}. */
public final class PpoOptions {
    @Option(names = "--iterations", defaultValue = "100", description = "PPO iterations; 100 keeps rlhf --rounds 2 (three PPO runs) near 30 minutes on 2 cores (default: ${DEFAULT-VALUE}).")
    int iterations;
    @Option(names = "--prompts-per-iter", defaultValue = "16", description = "Prompts per iteration (default: ${DEFAULT-VALUE}).")
    int promptsPerIter;
    @Option(names = "--rollouts", defaultValue = "4", description = "Responses per prompt (default: ${DEFAULT-VALUE}, the paper's).")
    int rollouts;
    @picocli.CommandLine.Mixin SamplingOptions sampling;
    @Option(names = "--kl-beta", defaultValue = "0.05", description = "β of the token-level KL penalty to the reference; 0 exposes RM weaknesses (default: ${DEFAULT-VALUE}, the paper's MetaRM runs).")
    double klBeta;
    @Option(names = "--reward-clip", defaultValue = "5", description = "Clip of the normalised reward (default: ${DEFAULT-VALUE}; the paper clips raw 7B-RM scores at 0.8).")
    double rewardClip;
    @Option(names = "--no-reward-norm", description = "Use raw reward-model scores (default: normalised by running mean and std).")
    boolean noNorm;
    @Option(names = "--gamma", defaultValue = "1.0", description = "GAE γ (default: ${DEFAULT-VALUE}, the paper's).")
    double gamma;
    @Option(names = "--lambda", defaultValue = "0.95", description = "GAE λ (default: ${DEFAULT-VALUE}, the paper's).")
    double lambda;
    @Option(names = "--clip", defaultValue = "0.2", description = "Policy ratio clip (default: ${DEFAULT-VALUE}, the paper's).")
    double clip;
    @Option(names = "--value-clip", defaultValue = "0.2", description = "Value clip (default: ${DEFAULT-VALUE}, the paper's).")
    double valueClip;
    @Option(names = "--ppo-epochs", defaultValue = "2", description = "Passes over each rollout batch (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--minibatch", defaultValue = "32", description = "Sequences per gradient step (default: ${DEFAULT-VALUE}).")
    int minibatch;
    @Option(names = "--actor-lr", defaultValue = "1e-4", description = "Actor learning rate (default: ${DEFAULT-VALUE}; the paper's 5e-7 is for 7B).")
    double actorLr;
    @Option(names = "--critic-lr", defaultValue = "2e-4", description = "Critic learning rate (default: ${DEFAULT-VALUE}; the paper's 1.5e-6 is for 7B).")
    double criticLr;
    @Option(names = "--clip-norm", defaultValue = "1.0", description = "Gradient-norm clip (default: ${DEFAULT-VALUE}).")
    double clipNorm;
    @Option(names = "--seed", defaultValue = "42", description = "Seed of sampling and minibatch order; in rlhf, of the whole run (task, models, sampling) (default: ${DEFAULT-VALUE}).")
    long seed;
    @Option(names = "--checkpoint-every", defaultValue = "25", description = "Iterations between resume checkpoints (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;
    @Option(names = "--max-prompt-tokens", defaultValue = "64", description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;

    public PpoConfig config() {
        return new PpoConfig(iterations, promptsPerIter, rollouts, sampling.maxNew, sampling.temperature, sampling.topP, sampling.repetition, klBeta, rewardClip,
                !noNorm, gamma, lambda, clip, valueClip, epochs, minibatch, actorLr, criticLr, clipNorm, seed, checkpointEvery, maxPrompt);
    }
}
