package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The critic-free algorithms through PpoTrainer: they learn, log PPO's fields without a critic, and resume exactly. */
@Tag("slow") // slow tier: SFT, then GRPO and REINFORCE++ loops
class CriticFreeLoopTest {
    static final RewardFunction SHORTER = new RewardFunction() {
        @Override
        public double[] score(List<String> ps, List<String> rs) {
            double[] out = new double[rs.size()];
            for (int i = 0; i < out.length; i++) out[i] = -rs.get(i).split("\\s+").length;
            return out;
        }

        @Override
        public String name() {
            return "shorter";
        }
    };

    @Test
    void criticFreeRunsLearnLogAndResumeWithoutACritic(@TempDir Path dir) throws Exception {
        List<Demonstrations.Example> demos = RlFixtures.DEMOS;
        List<String> prompts = RlFixtures.PROMPTS;
        Path sft = dir.resolve("sft");
        try (CausalLm p = Policies.scratch(RlFixtures.TINY, demos, Device.cpu(), 3)) {
            new SftTrainer(p, RlFixtures.sft(3)).fit(demos, List.of(), sft, false, null);
        }
        PpoConfig cfg = PpoConfig.builder().iterations(12).promptsPerIter(8).rollouts(4).maxNewTokens(24).temperature(1.0)
                .topP(1.0).repetitionPenalty(1.0).klBeta(0.05).rewardClip(5.0).epochs(2).minibatch(16).actorLr(3e-3).clipNorm(1.0)
                .seed(11).checkpointEvery(6).maxPromptTokens(32).algorithm(Algorithm.GRPO).build();
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu())) {
            assertThatThrownBy(() -> new PpoTrainer(actor, ref, ValueModel.fromActor(ref), SHORTER, null, cfg, List.of()))
                    .hasMessageContaining("takes no critic");
            new PpoTrainer(actor, ref, null, SHORTER, new GoldRewardFunction(), cfg, demos.subList(0, 16))
                    .train(prompts, dir.resolve("grpo"), false, null);
        }
        List<String> lines = Files.readAllLines(dir.resolve("grpo/metrics.jsonl"));
        assertThat(lines).hasSize(12);
        List<Double> rewards = new ArrayList<>();
        for (String l : lines) {
            JsonNode m = Json.MAPPER.readTree(l);
            assertThat(m.path("type").asText()).isEqualTo("ppo");
            assertThat(m.path("algorithm").asText()).isEqualTo("grpo");
            assertThat(m.has("value_loss")).isFalse();
            assertThat(m.path("kl_loss").asDouble()).isGreaterThanOrEqualTo(0); // β·k3, k3 ≥ 0
            for (String f : new String[] {"rm_reward", "gold_reward", "kl", "ppl", "response_length", "entropy", "clip_fraction",
                    "policy_loss", "time_generate_s", "time_score_s", "time_logprobs_s", "time_update_s", "rollout_tokens_per_s"}) {
                assertThat(m.has(f)).as(f).isTrue();
            }
            rewards.add(m.path("rm_reward").asDouble());
        }
        double first = (rewards.get(0) + rewards.get(1) + rewards.get(2)) / 3;
        double last = (rewards.get(9) + rewards.get(10) + rewards.get(11)) / 3;
        assertThat(last).isGreaterThan(first + 1.0);
        // No critic anywhere in the resume state.
        Path resume = dir.resolve("grpo/resume");
        assertThat(Files.exists(resume.resolve(PpoTrainer.CRITIC_FILE))).isFalse();
        try (var files = Files.walk(resume)) {
            assertThat(files.map(Path::toString).filter(s -> s.contains(PpoTrainer.CRITIC)).toList()).isEmpty();
        }

        // REINFORCE++ for 6 iterations, killed (a 3-iteration run), resumed: iterations 4–6 repeat exactly.
        PpoConfig rpp = cfg.toBuilder().algorithm(Algorithm.REINFORCE_PP).iterations(6).checkpointEvery(3).build();
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu())) {
            new PpoTrainer(actor, ref, null, SHORTER, null, rpp, List.of()).train(prompts, dir.resolve("a"), false, null);
        }
        Path b = dir.resolve("b");
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu())) {
            new PpoTrainer(actor, ref, null, SHORTER, null, rpp.toBuilder().iterations(3).build(), List.of())
                    .train(prompts, b, false, null);
        }
        try (CausalLm actor = CausalLm.load(b.resolve("resume"), Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu())) {
            assertThatThrownBy(() -> new PpoTrainer(actor, ref, null, SHORTER, null, rpp.toBuilder().algorithm(Algorithm.RLOO).build(),
                    List.of()).train(prompts, b, true, null)).hasMessageContaining("--algorithm reinforce++");
            new PpoTrainer(actor, ref, null, SHORTER, null, rpp, List.of()).train(prompts, b, true, null);
        }
        List<String> straight = Files.readAllLines(dir.resolve("a/metrics.jsonl")), resumed = Files.readAllLines(b.resolve("metrics.jsonl"));
        assertThat(resumed).hasSize(6);
        for (int i = 3; i < 6; i++) {
            JsonNode x = Json.MAPPER.readTree(straight.get(i)), y = Json.MAPPER.readTree(resumed.get(i));
            assertThat(y.path("algorithm").asText()).isEqualTo("reinforce++");
            assertThat(y.path("rm_reward").asDouble()).isCloseTo(x.path("rm_reward").asDouble(), within(1e-9));
            assertThat(y.path("policy_loss").asDouble()).isCloseTo(x.path("policy_loss").asDouble(), within(1e-9));
        }
    }
}
