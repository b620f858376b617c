package dev.rlhf4j.cli;

import picocli.CommandLine.Option;

/** {@code --seed}, declared once for every command that draws random numbers. */
public final class SeedOption {
    public static final String DEFAULT = dev.rlhf4j.train.TrainConfig.Defaults.SEED;

    @Option(names = "--seed", defaultValue = DEFAULT,
            description = "Seed of everything random the command does (data, order, initialisation, dropout, sampling); "
                    + "the same seed gives the same outputs (default: ${DEFAULT-VALUE}).")
    long seed;

    public long get() {
        return seed;
    }
}
