package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.train.TrainListener;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** SFT and PPO on a tiny policy: they learn, log every field, and resume to the same result. */
@Tag("slow") // slow tier: SFT and PPO loops
class RlLoopTest {
    static final List<Demonstrations.Example> demos = RlFixtures.DEMOS;
    static final List<String> prompts = RlFixtures.PROMPTS;
    static final Policies.Shape TINY = RlFixtures.TINY;
    static final SftConfig SFT = RlFixtures.sft(3);

    @Test
    void sftLowersPerplexityAndResumesToTheSameWeights(@TempDir Path dir) throws Exception {
        List<Demonstrations.Example> train = demos.subList(0, 140), valid = demos.subList(140, 160);
        Map<String, HostTensor> straight;
        double ppl, before;
        try (CausalLm p = Policies.scratch(TINY, train, Device.cpu(), 3)) {
            SftTrainer.Result r = new SftTrainer(p, SFT).fit(train, valid, dir.resolve("a"), false, null);
            ppl = r.validPerplexity();
            before = r.firstValidPerplexity();
            straight = p.parameters().toHost();
        }
        assertThat(ppl).isLessThan(before * 0.5); // from near-uniform over the vocabulary
        List<String> types = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("a/metrics.jsonl"))) types.add(Json.MAPPER.readTree(l).path("type").asText());
        // start, then 3 epochs × 9 steps, each epoch ending with a validation
        assertThat(types.stream().filter("train"::equals).count()).isEqualTo(27);
        assertThat(types.stream().filter("eval"::equals).count()).isEqualTo(3);
        assertThat(types.get(0)).isEqualTo("start");
        // Killed after step 12 (the checkpoint of step 9, the end of epoch 1, survives), then resumed: the same weights.
        Path b = dir.resolve("b");
        try (CausalLm p = Policies.scratch(TINY, train, Device.cpu(), 3)) {
            TrainListener kill = new TrainListener() {
                @Override
                public void onStep(StepStats s) {
                    if (s.step() == 12) throw new IllegalStateException("killed at step 12");
                }
            };
            assertThatThrownBy(() -> new SftTrainer(p, SFT).fit(train, valid, b, false, null, List.of(kill)))
                    .hasMessageContaining("killed");
        }
        assertThat(Json.MAPPER.readTree(b.resolve("resume/trainer_state.json").toFile()).path("state").path("optimizer_steps")
                .asLong()).isEqualTo(9);
        try (CausalLm p = CausalLm.load(b.resolve("resume"), Device.cpu())) {
            new SftTrainer(p, SFT).fit(train, valid, b, true, null);
            Map<String, HostTensor> resumed = p.parameters().toHost();
            for (var e : straight.entrySet()) {
                assertThat(resumed.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data(), within(1e-5f));
            }
        }
        // Packing trains too.
        try (CausalLm p = Policies.scratch(TINY, train, Device.cpu(), 3)) {
            SftTrainer.Result r = new SftTrainer(p, SFT.toBuilder().packing(true).build()).fit(train, valid, dir.resolve("d"), false, null);
            assertThat(r.validPerplexity()).isLessThan(r.firstValidPerplexity() * 0.5);
        }
    }

    @Test
    void gaeMatchesTheRecursionByHand() {
        double[][] ar = PpoTrainer.gae(new double[] {0.0, 0.0, 1.0}, new double[] {0.5, 0.2, 0.4}, 1.0, 0.5);
        // δ = [0 + 0.2 − 0.5, 0 + 0.4 − 0.2, 1 − 0.4] = [−0.3, 0.2, 0.6]; A2 = 0.6, A1 = 0.2 + 0.5·0.6 = 0.5, A0 = −0.3 + 0.25 = −0.05
        assertThat(ar[0]).containsExactly(new double[] {-0.05, 0.5, 0.6}, within(1e-12));
        assertThat(ar[1]).containsExactly(new double[] {0.45, 0.7, 1.0}, within(1e-12));
    }

    @Test
    void ppoRaisesTheRewardLogsEveryFieldAndResumes(@TempDir Path dir) throws Exception {
        Path sft = dir.resolve("sft");
        try (CausalLm p = Policies.scratch(TINY, demos, Device.cpu(), 3)) {
            new SftTrainer(p, SFT).fit(demos, List.of(), sft, false, null);
        }
        // Reward: shorter answers are better. A policy learns that within a few iterations by ending earlier.
        RewardFunction shorter = new RewardFunction() {
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
        PpoConfig cfg = PpoConfig.builder().iterations(14).promptsPerIter(8).rollouts(4).maxNewTokens(24).temperature(1.0)
                .topP(1.0).repetitionPenalty(1.0).klBeta(0.0).rewardClip(5.0).normalizeRewards(true).gamma(1.0).lambda(0.95)
                .clip(0.2).valueClip(0.2).epochs(2).minibatch(16).actorLr(3e-3).criticLr(3e-3).clipNorm(1.0).seed(11)
                .checkpointEvery(7).maxPromptTokens(32).build();
        List<Double> rewards = new ArrayList<>();
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu());
             ValueModel critic = ValueModel.fromActor(ref)) {
            new PpoTrainer(actor, ref, critic, shorter, new GoldRewardFunction(), cfg, demos.subList(0, 16))
                    .train(prompts, dir.resolve("ppo"), false, null);
        }
        List<String> lines = Files.readAllLines(dir.resolve("ppo/metrics.jsonl"));
        assertThat(lines).hasSize(14);
        for (String l : lines) {
            JsonNode m = Json.MAPPER.readTree(l);
            assertThat(m.path("type").asText()).isEqualTo("ppo");
            assertThat(m.path("skipped_updates").asLong()).isZero();
            for (String f : new String[] {"rm_reward", "gold_reward", "kl", "ppl", "response_length", "entropy", "clip_fraction",
                    "value_loss", "time_generate_s", "time_score_s", "time_logprobs_s", "time_update_s", "rollout_tokens_per_s"}) {
                assertThat(m.has(f)).as(f).isTrue();
            }
            rewards.add(m.path("rm_reward").asDouble());
        }
        double first = (rewards.get(0) + rewards.get(1) + rewards.get(2)) / 3;
        double last = (rewards.get(11) + rewards.get(12) + rewards.get(13)) / 3;
        assertThat(last).isGreaterThan(first + 1.0);
        assertThat(Files.isRegularFile(dir.resolve("ppo/policy/model.safetensors"))).isTrue();

        // Resume from the checkpoint at iteration 7 of a copy: iterations 8–14 repeat exactly.
        Path copy = dir.resolve("ppo2");
        PpoConfig half = cfg.toBuilder().iterations(7).build();
        try (CausalLm actor = CausalLm.load(sft, Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu());
             ValueModel critic = ValueModel.fromActor(ref)) {
            new PpoTrainer(actor, ref, critic, shorter, null, half, List.of()).train(prompts, copy, false, null);
        }
        try (CausalLm actor = CausalLm.load(copy.resolve("resume"), Device.cpu()); CausalLm ref = CausalLm.load(sft, Device.cpu());
             ValueModel critic = ValueModel.fromActor(ref)) {
            new PpoTrainer(actor, ref, critic, shorter, null, cfg, List.of()).train(prompts, copy, true, null);
        }
        List<String> resumed = Files.readAllLines(copy.resolve("metrics.jsonl"));
        assertThat(resumed).hasSize(14);
        for (int i = 7; i < 14; i++) {
            assertThat(Json.MAPPER.readTree(resumed.get(i)).path("rm_reward").asDouble())
                    .isCloseTo(Json.MAPPER.readTree(lines.get(i)).path("rm_reward").asDouble(), within(1e-9));
        }
    }
}
