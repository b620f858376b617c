package dev.rlhf4j.cli;

import dev.rlhf4j.rl.PpoConfig;
import dev.rlhf4j.train.optim.OptimConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The experiment's PPO runs use its A/A-calibrated settings (20 iterations, actor lr 5e-5, critic lr 1e-4, β 0.1) where
 * not given, ppo's own where given; the other PPO options stay ppo's. --help states them.
 */
class ExperimentPpoDefaultsTest {

    private static PpoConfig config(String... args) {
        ExperimentCommand c = new ExperimentCommand();
        new CommandLine(c).parseArgs(args);
        return c.ppo.config();
    }

    @Test
    void calibratedSettingsUnlessGiven() {
        PpoConfig d = config();
        assertThat(d.iterations()).isEqualTo(20);
        assertThat(d.actorOptim()).isEqualTo(new OptimConfig(5e-5, 0.9, 0.95, 1e-8, 0));
        assertThat(d.criticOptim()).isEqualTo(new OptimConfig(1e-4, 0.9, 0.95, 1e-8, 0));
        assertThat(d.klBeta()).isEqualTo(0.1);
        PpoConfig ppo = PpoConfig.defaults();
        assertThat(d.promptsPerIter()).isEqualTo(ppo.promptsPerIter());
        assertThat(d.rollouts()).isEqualTo(ppo.rollouts());
        assertThat(d.minibatch()).isEqualTo(ppo.minibatch());

        PpoConfig given = config("--iterations", "35", "--actor-lr", "1e-4", "--critic-lr", "2e-4", "--kl-beta", "0.05");
        assertThat(given.iterations()).isEqualTo(35);
        assertThat(given.actorOptim().lr()).isEqualTo(1e-4);
        assertThat(given.criticOptim().lr()).isEqualTo(2e-4);
        assertThat(given.klBeta()).isEqualTo(0.05);
        assertThat(config("--kl-beta", "0").klBeta()).isEqualTo(0.0);
        assertThat(config("--kl-beta", "0").iterations()).isEqualTo(20);
    }

    @Test
    void helpStatesTheExperimentsSettings() {
        String help = new CommandLine(new ExperimentCommand()).getUsageMessage();
        assertThat(help).contains("--iterations 20, --actor-lr 5e-5, --critic-lr 1e-4, --kl-beta 0.1");
        // the options list states the experiment's values, not ppo's
        String flat = help.replaceAll("\\s+", " ");
        assertThat(flat).contains("PPO iterations (default: 20)").contains("Actor learning rate (default: 5e-5;")
                .contains("Critic learning rate (default: 1e-4;").contains("(default: 0.1;");
        String ppoHelp = new CommandLine(new PpoCommand()).getUsageMessage().replaceAll("\\s+", " ");
        assertThat(ppoHelp).contains("PPO iterations (default: 100)").contains("Actor learning rate (default: 1e-4;")
                .contains("(default: 0.05;");
    }
}
