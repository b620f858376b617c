package dev.rlhf4j.cli;

import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.rl.PpoConfig;

import java.util.List;
import picocli.CommandLine.Option;

/** How a policy samples its answers: the paper's PPO settings, shared by {@code ppo}, {@code rlhf}, {@code judge}, {@code bon} and {@code rm-on-policy}. */
public final class SamplingOptions {
    @Option(names = "--max-new-tokens", defaultValue = PpoConfig.Defaults.MAX_NEW_TOKENS, description = "Tokens per response at most (default: ${DEFAULT-VALUE}; the paper's 512 is for open-ended answers).")
    int maxNew;
    @Option(names = "--temperature", defaultValue = PpoConfig.Defaults.TEMPERATURE, description = "Sampling temperature (default: ${DEFAULT-VALUE}, the paper's).")
    double temperature;
    @Option(names = "--top-p", defaultValue = PpoConfig.Defaults.TOP_P, description = "Nucleus mass (default: ${DEFAULT-VALUE}, the paper's).")
    double topP;
    @Option(names = "--repetition-penalty", defaultValue = PpoConfig.Defaults.REPETITION_PENALTY, description = "Repetition penalty (default: ${DEFAULT-VALUE}, the paper's).")
    double repetition;

    /** These settings as a generation config (no top-k, no stop strings), sampled or greedy, from {@code seed}. */
    GenerationConfig generation(boolean greedy, long seed) {
        return new GenerationConfig(maxNew, greedy, temperature, 0, topP, repetition, List.of(), true, true, seed);
    }
}
