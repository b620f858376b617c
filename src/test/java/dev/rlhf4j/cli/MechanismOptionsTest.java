package dev.rlhf4j.cli;

import dev.rlhf4j.rl.MetaRm;
import dev.rlhf4j.rl.PpoConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The options of the mechanism measurements reach their configs: PPO snapshots, MetaRM's ascent norm and sampling. */
class MechanismOptionsTest {

    @Test
    void snapshotsParseAsIterationsAndDefaultToTheCheckpoints() {
        PpoCommand c = new PpoCommand();
        new CommandLine(c).parseArgs("--policy", "p", "--reward-model", "gold", "--prompts", "x", "--out", "o", "--snapshots", "0,25,50,75,100");
        PpoConfig cfg = c.ppo.config();
        assertThat(cfg.snapshots()).containsExactly(0, 25, 50, 75, 100);
        assertThat(cfg.snapshotAt(50)).isTrue();
        assertThat(cfg.snapshotAt(30)).isFalse();
        PpoCommand d = new PpoCommand();
        new CommandLine(d).parseArgs("--policy", "p", "--reward-model", "gold", "--prompts", "x", "--out", "o", "--iterations", "60");
        assertThat(d.ppo.config().snapshots()).isEmpty();   // default: 0, every --checkpoint-every (25) and the last
        assertThat(List.of(0, 25, 50, 60)).allMatch(d.ppo.config()::snapshotAt);
        PpoCommand e = new PpoCommand();
        new CommandLine(e).parseArgs("--policy", "p", "--reward-model", "gold", "--prompts", "x", "--out", "o", "--iterations", "10",
                "--snapshots", "11");
        assertThatThrownBy(e.ppo::config).hasMessageContaining("outside 0..10");
    }

    @Test
    void metaAscentNormAndSamplingReachTheConfig() {
        MetaRmCommand c = new MetaRmCommand();
        new CommandLine(c).parseArgs("--reward-model", "r", "--data", "d", "--policy", "p", "--prompts", "x", "--out", "o",
                "--meta-eta", "0", "--meta-ascent-norm", "1e-3", "--meta-sampling", "meta");
        MetaRm.Config m = c.meta.config();
        assertThat(m.eta()).isZero();
        assertThat(m.ascentNorm()).isEqualTo(1e-3);
        assertThat(m.sampling()).isEqualTo(MetaRm.Config.SAMPLING_META);
        // meta: its own temperature and length, top-p 1, no repetition penalty; ppo: PPO's settings
        var own = m.generation(PpoConfig.defaults());
        assertThat(own.temperature()).isEqualTo(1.0);
        assertThat(own.topP()).isEqualTo(1.0);
        MetaRm.Config d = MetaRm.Config.defaults();
        assertThat(d.sampling()).isEqualTo(MetaRm.Config.SAMPLING_PPO);
        var ppo = d.generation(PpoConfig.builder().temperature(0.7).topP(0.85).repetitionPenalty(1.2).maxNewTokens(20).build());
        assertThat(ppo.temperature()).isEqualTo(0.7);
        assertThat(ppo.topP()).isEqualTo(0.85);
        assertThat(ppo.repetitionPenalty()).isEqualTo(1.2);
        assertThat(ppo.maxNewTokens()).isEqualTo(20);
        assertThat(ppo.seed()).isEqualTo(d.seed());
    }
}
