package dev.rlhf4j.cli;

import dev.rlhf4j.rl.Algorithm;
import dev.rlhf4j.rl.PpoConfig;
import picocli.CommandLine.Option;

/** PPO's options, shared by {@code ppo} and {@code rlhf}. */
public final class PpoOptions {
    @Option(names = "--algorithm", defaultValue = PpoConfig.Defaults.ALGORITHM,
            description = "ppo (clipped ratio, a critic, GAE); grpo: A = (r − mean_group)/std_group, k3 KL loss term, per-sequence "
                    + "mean of the token losses; dr-grpo: A = r − mean_group, token losses summed / (rows · --max-new-tokens); "
                    + "rloo: A = r − mean of the other k − 1, token-level KL in the reward; reinforce++: A = r − mean_group, "
                    + "token-level KL in the reward, then normalised over the batch's tokens. The critic-free ones (k = --rollouts ≥ 2) "
                    + "use the clipped ratio, no critic; --critic-lr, --value-clip, --gamma, --lambda apply to ppo only (default: ${DEFAULT-VALUE}).")
    String algorithm;
    @Option(names = "--kl-in-reward", description = "grpo, dr-grpo: β·Σ(log π − log π_ref) subtracted from the sequence reward before the "
            + "group baseline, instead of the loss term β·k3, k3 = π_ref/π − log(π_ref/π) − 1 (default: the k3 loss term).")
    boolean klInReward;
    @Option(names = "--iterations", defaultValue = PpoConfig.Defaults.ITERATIONS, description = "PPO iterations (default: ${DEFAULT-VALUE}); at 100, rlhf --rounds 2 (three PPO runs) takes about 30 minutes on 2 cores.")
    int iterations;
    @Option(names = "--prompts-per-iter", defaultValue = PpoConfig.Defaults.PROMPTS_PER_ITER, description = "Prompts per iteration (default: ${DEFAULT-VALUE}).")
    int promptsPerIter;
    @Option(names = "--rollouts", defaultValue = PpoConfig.Defaults.ROLLOUTS, description = "Responses per prompt (default: ${DEFAULT-VALUE}, the paper's).")
    int rollouts;
    @picocli.CommandLine.Mixin SamplingOptions sampling;
    @Option(names = "--kl-beta", defaultValue = PpoConfig.Defaults.KL_BETA, description = "β of the token-level KL penalty to the reference; 0 exposes RM weaknesses (default: ${DEFAULT-VALUE}; the paper's MetaRM runs used 0.05).")
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
    @Option(names = "--snapshots", split = ",", description = "Iterations after which the policy is kept in OUT/snapshots/iter-XXXX (0: the starting policy), e.g. 0,25,50,75,100 (default: 0, every --checkpoint-every and the last).")
    java.util.List<Integer> snapshots;
    @Option(names = "--max-prompt-tokens", defaultValue = PpoConfig.Defaults.MAX_PROMPT_TOKENS, description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;

    @picocli.CommandLine.Mixin RecomputeOption recompute;

    public PpoConfig config() {
        return PpoConfig.builder().iterations(iterations).promptsPerIter(promptsPerIter).rollouts(rollouts)
                .maxNewTokens(sampling.maxNew).temperature(sampling.temperature).topP(sampling.topP)
                .repetitionPenalty(sampling.repetition).klBeta(klBeta).rewardClip(rewardClip).normalizeRewards(!noNorm)
                .gamma(gamma).lambda(lambda).clip(clip).valueClip(valueClip).epochs(epochs).minibatch(minibatch)
                .actorOptim(optimizer.config(actorLr)).criticOptim(optimizer.config(criticLr)).clipNorm(clipNorm).seed(seed.get()).checkpointEvery(checkpointEvery)
                .maxPromptTokens(maxPrompt).algorithm(Algorithm.parse(algorithm)).klInReward(klInReward).snapshots(snapshots)
                .recompute(recompute.get()).build();
    }
}
