package dev.rlhf4j.cli;

import picocli.CommandLine.Option;

/** {@code --recompute}: activation recomputation (gradient checkpointing) while training, for train-rm, sft and ppo. */
public final class RecomputeOption {
    @Option(names = "--recompute", defaultValue = "false",
            description = "Activation recomputation (gradient checkpointing): keep only each transformer layer's input in the "
                    + "forward pass and run the layer again when its gradient is needed; less memory for about one more "
                    + "forward pass per step, same gradients (default: ${DEFAULT-VALUE}, off).")
    boolean on;

    public boolean get() {
        return on;
    }
}
