package dev.rlhf4j.cli;

import dev.rlhf4j.rl.MetaRm;
import picocli.CommandLine.Option;

/** MetaRM's options, shared by {@code metarm} and {@code rlhf}. The paper leaves η, α, n, m, k and the steps open. */
public final class MetaRmOptions {
    @Option(names = "--meta-eta", defaultValue = "1e-2", description = "η: step size of the gradient ascent on the difference loss; 0 (with --meta-ascent-norm 0) is the control arm: the same data order, steps, schedule, draws and checkpoint selection, no ascent (default: ${DEFAULT-VALUE}).")
    double eta;
    @Option(names = "--meta-ascent-norm", defaultValue = "0", description = "R > 0: normalised ascent, each step moves the trained weights by ‖Δθ‖ = R·‖θ‖ along ∇J (η unused); 0: plain ascent η∇J (default: ${DEFAULT-VALUE}).")
    double ascentNorm;
    @Option(names = "--meta-sampling", defaultValue = MetaRm.Config.SAMPLING_PPO, description = "How the meta set is sampled: ppo (PPO's temperature, top-p, repetition penalty and max new tokens; rlhf's --temperature etc., metarm's PPO defaults) or meta (--meta-temperature and --meta-max-new-tokens, top-p 1, no repetition penalty) (default: ${DEFAULT-VALUE}).")
    String sampling;
    @Option(names = "--meta-groups", defaultValue = "4", description = "m: meta prompts (each with k responses) per step (default: ${DEFAULT-VALUE}).")
    int groups;
    @Option(names = "--meta-batch-pairs", defaultValue = "8", description = "n: preference pairs per step (default: ${DEFAULT-VALUE}).")
    int pairs;
    @Option(names = "--meta-k", defaultValue = "4", description = "k: responses sampled per meta prompt (default: ${DEFAULT-VALUE}).")
    int k;
    @Option(names = "--meta-steps", defaultValue = "150", description = "MetaRM optimizer steps per round (default: ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--meta-lr", defaultValue = "1e-4", description = "α: learning rate of the reward loss (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--meta-train-top-layers", defaultValue = "2", description = "Train only the top K layers of the reward model, 0 = all (default: ${DEFAULT-VALUE}).")
    int top;
    @Option(names = "--meta-prompts", defaultValue = "64", description = "Prompts in the meta set (default: ${DEFAULT-VALUE}).")
    int prompts;
    @Option(names = "--meta-temperature", defaultValue = "1.0", description = "Sampling temperature of the meta set with --meta-sampling meta (default: ${DEFAULT-VALUE}).")
    double temperature;
    @Option(names = "--meta-max-new-tokens", defaultValue = "48", description = "Tokens per meta response with --meta-sampling meta (default: ${DEFAULT-VALUE}).")
    int maxNew;
    @Option(names = "--meta-seed", defaultValue = "42", description = "Seed of the meta set, pair order and group draws (default: ${DEFAULT-VALUE}).")
    long seed;

    /** With train-rm's AdamW betas and ε (rlhf). */
    public MetaRm.Config config() {
        return config(OptimizerOptions.rewardModel());
    }

    public MetaRm.Config config(OptimizerOptions optimizer) {
        return new MetaRm.Config(eta, groups, pairs, k, steps, optimizer.config(lr), top, prompts, temperature, maxNew, seed, ascentNorm, sampling);
    }
}
