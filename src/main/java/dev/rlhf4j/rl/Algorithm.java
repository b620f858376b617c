package dev.rlhf4j.rl;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The policy-optimisation algorithm of a {@code ppo} run (METHODS.md §6, §9). All share the rollouts, reward scoring,
 * KL to the reference and logging; they differ in where the baseline comes from (a critic or the other samples of the
 * prompt), where the KL goes (the reward or the loss) and how the token losses are averaged.
 */
public enum Algorithm {
    /** PPO with a critic: GAE over the token rewards (score at the last token, β·KL at every token), whitened. */
    PPO("ppo", Advantages.Aggregation.TOKEN_MEAN),
    /** GRPO: (r − mean_group) / std_group for every token; KL to the reference as a k3 loss term; per-sequence mean. */
    GRPO("grpo", Advantages.Aggregation.SEQUENCE_MEAN),
    /** Dr. GRPO: r − mean_group (no std division); token losses summed and divided by a constant (the generation budget). */
    DR_GRPO("dr-grpo", Advantages.Aggregation.CONSTANT_LENGTH),
    /** RLOO: r_i − mean of the other k − 1 samples of the prompt; token-level KL in the reward. */
    RLOO("rloo", Advantages.Aggregation.TOKEN_MEAN),
    /** REINFORCE++ with baseline: r − mean_group, token-level KL in the reward, then whitened over the batch's tokens. */
    REINFORCE_PP("reinforce++", Advantages.Aggregation.TOKEN_MEAN);

    private final String cliName;
    private final Advantages.Aggregation aggregation;

    Algorithm(String cliName, Advantages.Aggregation aggregation) {
        this.cliName = cliName;
        this.aggregation = aggregation;
    }

    /** The name on the command line and in metrics. */
    @JsonValue
    public String cliName() {
        return cliName;
    }

    /** How the per-token policy (and k3) losses of a minibatch are averaged. */
    public Advantages.Aggregation aggregation() {
        return aggregation;
    }

    /** PPO trains a critic; the others take their baseline from the other samples of the prompt. */
    public boolean usesCritic() {
        return this == PPO;
    }

    /** Whether {@code --kl-in-reward} means anything here (GRPO and Dr. GRPO; the others always put KL in the reward). */
    public boolean klPlacementIsAnOption() {
        return this == GRPO || this == DR_GRPO;
    }

    /** Where β·KL to the reference goes. */
    public Advantages.KlPlacement klPlacement(boolean klInReward) {
        if (klPlacementIsAnOption()) return klInReward ? Advantages.KlPlacement.SEQUENCE_REWARD : Advantages.KlPlacement.LOSS_K3;
        return Advantages.KlPlacement.TOKEN_REWARD;
    }

    /** The algorithm named {@code name} (as on the command line, case-insensitive). */
    public static Algorithm parse(String name) {
        for (Algorithm a : values()) if (a.cliName.equals(name.toLowerCase(Locale.ROOT))) return a;
        throw new IllegalArgumentException("unknown --algorithm '" + name + "'; one of " + names());
    }

    /** The command-line names, comma-separated. */
    public static String names() {
        return Arrays.stream(values()).map(Algorithm::cliName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return cliName;
    }
}
