package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PPO with LoRA on the hf-tiny Llama policy against the hf-tiny Llama reward model under peft's adapter: the actor's
 * and the critic's base weights stay frozen while their adapters (and the value head) train; the saved policy is a
 * CAUSAL_LM adapter that reloads to the actor's exact logits; a run cut after iteration 1 and resumed ends with the
 * uninterrupted run's adapter, and its resume state holds only the trained tensors.
 */
@Tag("slow") // two PPO iterations on a 32,000-token-vocabulary decoder, three times
class LoraPpoTest {
    static final Path POLICY = SharedFiles.get("models/hf-tiny/llama");
    static final Path RM = SharedFiles.get("models/hf-tiny/llama-rm");
    static final Path RM_ADAPTER = SharedFiles.get("models/hf-tiny/peft-lora-llama-rm");
    static final List<String> PROMPTS = List.of("What is 2 + 2?", "Name a colour.", "Say hello.", "Count to three.");
    static final LoraConfig LORA = new LoraConfig(4, 8, 0, LoraConfig.Defaults.DECODER_TARGETS, List.of(), LoraConfig.CAUSAL_LM, "");
    static final int[] IDS = {1, 1824, 349, 28705, 28787, 648, 28705, 28782, 28804};

    static PpoConfig config(int iterations) {
        return PpoConfig.builder().iterations(iterations).promptsPerIter(2).rollouts(2).maxNewTokens(6).temperature(1.0).topP(1.0)
                .repetitionPenalty(1.0).klBeta(0.05).rewardClip(5.0).normalizeRewards(true).gamma(1.0).lambda(0.95).clip(0.2)
                .valueClip(0.2).epochs(1).minibatch(4).actorLr(1e-2).criticLr(1e-2).clipNorm(1.0).seed(5).checkpointEvery(1)
                .maxPromptTokens(16).build();
    }

    static Map<String, HostTensor> without(Map<String, HostTensor> m, String... names) {
        Map<String, HostTensor> out = new LinkedHashMap<>(m);
        for (String n : names) out.remove(n);
        return out;
    }

    static double norm(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        return Math.sqrt(s);
    }

    /** Runs PPO with LoRA into {@code out}: fresh, or resumed from {@code out/resume}. */
    static void run(Path out, int iterations, boolean resume, Map<String, Map<String, HostTensor>> before, Map<String, float[]> after) {
        PpoRun.Lora l = new PpoRun.Lora(null, RM_ADAPTER, LORA);
        try (CausalLm actor = PpoRun.actor(POLICY, l, resume, out, 5, Device.cpu());
             CausalLm reference = PpoRun.policy(POLICY, null, Device.cpu());
             RewardFunction rm = PpoRun.reward(RM.toString(), RM_ADAPTER, Device.cpu());
             ValueModel critic = ValueModel.forPpo(reference, rm)
                     .withLora(new LoraConfig(4, 8, 0, LORA.targetModules(), List.of("value_head"), LoraConfig.SEQ_CLS, ""), 5)) {
            assertThat(critic.initialisedFrom()).isEqualTo("reward model");
            if (before != null) {
                before.put("actor", actor.decoder().parameters().toHost());
                before.put("critic", without(critic.parameters().toHost(), ValueModel.HEAD, ValueModel.BIAS));
                before.put("value_head", Map.of(ValueModel.HEAD, critic.parameters().toHost().get(ValueModel.HEAD)));
            }
            new PpoTrainer(actor, reference, critic, rm, null, config(iterations), List.of()).train(PROMPTS, out, resume, null);
            if (before != null) {
                // the bases are frozen: every weight of the actor's decoder and the critic's equals what it was
                Map<String, HostTensor> a = actor.decoder().parameters().toHost();
                for (var e : before.get("actor").entrySet()) assertThat(a.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
                Map<String, HostTensor> c = critic.parameters().toHost();
                for (var e : before.get("critic").entrySet()) assertThat(c.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
                // ... while the adapters and the value head trained
                assertThat(c.get(ValueModel.HEAD).data()).isNotEqualTo(before.get("value_head").get(ValueModel.HEAD).data());
                assertThat(norm(actor.trainableParameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").toFloatArray())).isPositive();
                assertThat(norm(critic.adapter().parameters().get("model.layers.1.mlp.down_proj.lora_B.weight").toFloatArray())).isPositive();
            }
            if (after != null) after.put("logits", actor.lastLogits(IDS));
        }
    }

    @Test
    void loraPpoKeepsTheBasesFrozenSavesAPolicyAdapterThatReloadsAndResumesToTheSameAdapter(@TempDir Path tmp) throws Exception {
        Path full = tmp.resolve("full");
        Map<String, float[]> after = new LinkedHashMap<>();
        run(full, 2, false, new LinkedHashMap<>(), after);

        Path policy = full.resolve("policy");
        JsonNode cfg = Json.MAPPER.readTree(policy.resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(cfg.path("r").asInt()).isEqualTo(4);
        assertThat(Path.of(cfg.path("base_model_name_or_path").asText())).isEqualTo(POLICY.toAbsolutePath().normalize());
        Map<String, HostTensor> saved = Safetensors.read(policy.resolve(Adapters.WEIGHTS)).tensors();
        assertThat(saved).hasSize(2 * 7 * 2).containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        // the saved adapter on its base (what --policy-adapter and judge load) gives the trained actor's logits exactly
        try (CausalLm lm = PpoRun.policy(POLICY, policy, Device.cpu())) {
            assertThat(lm.lastLogits(IDS)).containsExactly(after.get("logits"));
        }
        try (CausalLm lm = Policies.load(policy, Device.cpu()); CausalLm base = CausalLm.load(POLICY, Device.cpu())) {
            assertThat(lm.lastLogits(IDS)).containsExactly(after.get("logits"));
            assertThat(base.lastLogits(IDS)).isNotEqualTo(after.get("logits")); // PPO moved the adapter
        }
        // resume state: the actor as an adapter, the critic's trained tensors only (A, B, value head), Adam moments of those
        Map<String, HostTensor> critic = Safetensors.read(full.resolve("resume").resolve(PpoTrainer.CRITIC_FILE)).tensors();
        assertThat(critic).hasSize(2 * 7 * 2 + 2).containsKeys(ValueModel.HEAD, ValueModel.BIAS,
                "model.layers.0.self_attn.q_proj.lora_A.weight");
        assertThat(full.resolve("resume").resolve(Adapters.CONFIG)).exists();

        // cut after iteration 1 and resumed to 2: the uninterrupted run's adapter
        Path cut = tmp.resolve("cut");
        run(cut, 1, false, null, null);
        Map<String, float[]> resumed = new LinkedHashMap<>();
        run(cut, 2, true, null, resumed);
        Map<String, HostTensor> again = Safetensors.read(cut.resolve("policy").resolve(Adapters.WEIGHTS)).tensors();
        for (var e : saved.entrySet()) assertThat(again.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
        assertThat(resumed.get("logits")).containsExactly(after.get("logits"));
    }
}
