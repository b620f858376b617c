package dev.rlhf4j.train.optim;

import ai.djl.ndarray.NDManager;
import dev.rlhf4j.model.ModelParameters;

/**
 * AdamW's settings, the one record every trainer builds its optimizers from.
 *
 * @param lr          peak learning rate (what the schedule scales)
 * @param beta1       first-moment decay ({@value #BETA1}, the paper's)
 * @param beta2       second-moment decay ({@value #BETA2}, the paper's)
 * @param eps         ε added to the denominator
 * @param weightDecay decoupled weight decay
 */
public record OptimConfig(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public static final double BETA1 = 0.9, BETA2 = 0.95;
    /** ε of reward-model optimizers (train-rm, metarm, bench), the paper's. */
    public static final double EPS_REWARD_MODEL = 1e-6;
    /** ε of the policy and critic optimizers (SFT, PPO), PyTorch's default. */
    public static final double EPS_POLICY = 1e-8;
    /** Decoupled weight decay of SFT's optimizer; reward models and PPO use none. */
    public static final double WEIGHT_DECAY_SFT = 0.01;

    public OptimConfig {
        if (!(lr >= 0)) throw new IllegalArgumentException("learning rate must be >= 0, got " + lr);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("AdamW betas must lie in [0, 1), got " + beta1 + "," + beta2);
        }
    }

    /** The paper's betas, ε {@code eps}, no weight decay. */
    public static OptimConfig adamW(double lr, double eps) {
        return new OptimConfig(lr, BETA1, BETA2, eps, 0);
    }

    public OptimConfig withLr(double v) {
        return new OptimConfig(v, beta1, beta2, eps, weightDecay);
    }

    public OptimConfig withWeightDecay(double v) {
        return new OptimConfig(lr, beta1, beta2, eps, v);
    }

    public AdamW create(NDManager manager, ModelParameters params) {
        return new AdamW(manager, params, beta1, beta2, eps, weightDecay);
    }
}
