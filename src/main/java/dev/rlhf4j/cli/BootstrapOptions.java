package dev.rlhf4j.cli;

import dev.rlhf4j.eval.stats.ClusterBootstrap;
import picocli.CommandLine.Option;

/** The bootstrap over distinct prompts behind every interval of {@code judge}, {@code bon} and {@code rm-on-policy}. */
public final class BootstrapOptions {
    @Option(names = "--bootstrap", defaultValue = "2000", description = "Bootstrap resamples over distinct prompts (default: ${DEFAULT-VALUE}).")
    int resamples;
    @Option(names = "--bootstrap-seed", defaultValue = "1", description = "Seed of the bootstrap (default: ${DEFAULT-VALUE}).")
    long seed;

    ClusterBootstrap bootstrap() {
        return new ClusterBootstrap(resamples, seed);
    }
}
