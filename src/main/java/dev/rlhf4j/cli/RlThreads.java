package dev.rlhf4j.cli;

import dev.rlhf4j.engine.Engines;
import picocli.CommandLine.Option;

/**
 * libtorch's intra-op threads for the RL commands. A CPU-sized policy's ops are too small to gain from a second
 * thread, and when other processes share the cores, the threads' synchronisation made PPO iterations up to 7× slower
 * (measured: 2 s against 15 s per iteration at load average 5 on 2 cores).
 */
public final class RlThreads {
    @Option(names = "--threads", defaultValue = "1",
            description = "libtorch intra-op threads; 0 = libtorch's default (one per core) (default: ${DEFAULT-VALUE}).")
    int threads;

    /** Applies the setting; call before the first tensor is made. */
    public void apply() {
        Engines.threads(threads);
    }
}
