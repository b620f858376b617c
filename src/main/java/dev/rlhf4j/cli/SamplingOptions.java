package dev.rlhf4j.cli;

import picocli.CommandLine.Option;

/** How a policy samples its answers: the paper's PPO settings, shared by {@code ppo}, {@code rlhf} and {@code judge}. */
public final class SamplingOptions {
    @Option(names = "--max-new-tokens", defaultValue = "48", description = "Tokens per response at most (default: ${DEFAULT-VALUE}; the paper's 512 is for open-ended answers).")
    int maxNew;
    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature (default: ${DEFAULT-VALUE}, the paper's).")
    double temperature;
    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus mass (default: ${DEFAULT-VALUE}, the paper's).")
    double topP;
    @Option(names = "--repetition-penalty", defaultValue = "1.1", description = "Repetition penalty (default: ${DEFAULT-VALUE}, the paper's).")
    double repetition;
}
