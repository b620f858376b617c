package dev.rlhf4j.cli;

import dev.rlhf4j.train.optim.OptimConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/** Each command keeps the AdamW defaults it had before the shared mixin, states them in --help, and reads the options. */
class OptimizerOptionsTest {

    private static <T> T parsed(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void defaultsAreEachCommandsOwn() {
        TrainRmCommand rm = parsed(new TrainRmCommand(), "--data", "d");
        assertThat(rm.trainOptions.optimizer.config(3e-5)).isEqualTo(new OptimConfig(3e-5, 0.9, 0.95, 1e-6, 0));
        SftCommand sft = parsed(new SftCommand(), "--data", "d", "--out", "o");
        assertThat(sft.optimizer.config(1e-3)).isEqualTo(new OptimConfig(1e-3, 0.9, 0.95, 1e-8, 0.01));
        PpoCommand ppo = new PpoCommand();
        new CommandLine(ppo).parseArgs("--policy", "p", "--reward-model", "r", "--prompts", "q", "--out", "o");
        assertThat(ppo.ppo.config().actorOptim()).isEqualTo(new OptimConfig(1e-4, 0.9, 0.95, 1e-8, 0));
        assertThat(ppo.ppo.config().criticOptim()).isEqualTo(new OptimConfig(2e-4, 0.9, 0.95, 1e-8, 0));
        MetaRmCommand meta = new MetaRmCommand();
        new CommandLine(meta).parseArgs("--reward-model", "r", "--data", "d", "--policy", "p", "--prompts", "q", "--out", "o");
        assertThat(meta.meta.config(meta.optimizer).optim()).isEqualTo(new OptimConfig(1e-4, 0.9, 0.95, 1e-6, 0));
        assertThat(parsed(new BenchCommand()).optimizer.config(1e-5)).isEqualTo(new OptimConfig(1e-5, 0.9, 0.95, 1e-6, 0));
        DpoCommand dpo = parsed(new DpoCommand(), "--policy", "p", "--data", "d", "--out", "o");
        assertThat(dpo.optimizer.config(5e-4)).isEqualTo(new OptimConfig(5e-4, 0.9, 0.95, 1e-8, 0));
    }

    @Test
    void optionsOverrideTheDefaultsAndHelpStatesThem() {
        SftCommand sft = parsed(new SftCommand(), "--data", "d", "--out", "o", "--betas", "0.8,0.99", "--adam-eps", "1e-7",
                "--weight-decay", "0.1");
        assertThat(sft.optimizer.config(1e-3)).isEqualTo(new OptimConfig(1e-3, 0.8, 0.99, 1e-7, 0.1));
        String help = new CommandLine(new SftCommand()).getUsageMessage();
        assertThat(help).contains("AdamW ε (default: 1.0E-8)").contains("(default: 0.01)").contains("(default: [0.9, 0.95]");
        assertThat(new CommandLine(new TrainRmCommand()).getUsageMessage()).contains("AdamW ε (default: 1.0E-6)");
    }
}
