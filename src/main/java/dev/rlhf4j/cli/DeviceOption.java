package dev.rlhf4j.cli;

import ai.djl.Device;
import dev.rlhf4j.engine.Engines;
import picocli.CommandLine.Option;

/** {@code --device}, for the commands that load models without {@link ModelOptions}. */
public final class DeviceOption {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "<device>",
            description = "cpu, gpu or gpu:N; a GPU needs the CUDA native jar of your platform (default: ${DEFAULT-VALUE}).")
    String name;

    /** The parsed device; a clear error for an unknown name or a missing GPU. */
    public Device get() {
        return Engines.device(name);
    }
}
