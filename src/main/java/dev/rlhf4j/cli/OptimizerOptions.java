package dev.rlhf4j.cli;

import dev.rlhf4j.train.optim.OptimConfig;
import picocli.CommandLine.Option;

/**
 * AdamW's betas, ε and weight decay: one declaration for train-rm (and the commands sharing {@link TrainOptions}),
 * sft, dpo, ppo (and rlhf's PPO stage), metarm and bench. A command picks its defaults, {@link OptimConfig}'s constants,
 * by the instance it declares ({@link #rewardModel()}, {@link #policy(double)}); picocli shows them in {@code --help}.
 */
public final class OptimizerOptions {

    @Option(names = "--betas", split = ",", description = "AdamW β1,β2 (default: ${DEFAULT-VALUE}, the paper's).")
    double[] betas;

    @Option(names = "--adam-eps", description = "AdamW ε (default: ${DEFAULT-VALUE}).")
    double eps;

    @Option(names = "--weight-decay", description = "AdamW decoupled weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    /** For picocli; commands declare {@link #rewardModel()} or {@link #policy(double)}. */
    public OptimizerOptions() {
        this(OptimConfig.EPS_REWARD_MODEL, 0);
    }

    private OptimizerOptions(double eps, double weightDecay) {
        this.betas = new double[] {OptimConfig.BETA1, OptimConfig.BETA2};
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    /** Reward models (train-rm, metarm, bench): ε {@value OptimConfig#EPS_REWARD_MODEL}, no weight decay. */
    public static OptimizerOptions rewardModel() {
        return new OptimizerOptions(OptimConfig.EPS_REWARD_MODEL, 0);
    }

    /** Policies and critics (sft, ppo): ε {@value OptimConfig#EPS_POLICY}, the given weight decay. */
    public static OptimizerOptions policy(double weightDecay) {
        return new OptimizerOptions(OptimConfig.EPS_POLICY, weightDecay);
    }

    /** AdamW at learning rate {@code lr} with these settings. */
    public OptimConfig config(double lr) {
        if (betas.length != 2) throw new IllegalArgumentException("--betas takes two numbers, e.g. 0.9,0.95");
        return new OptimConfig(lr, betas[0], betas[1], eps, weightDecay);
    }
}
