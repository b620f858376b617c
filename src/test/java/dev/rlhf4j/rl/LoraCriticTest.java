package dev.rlhf4j.rl;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * PPO's LoRA critic saved as a PEFT SEQ_CLS adapter directory ({@code OUT/critic/}) on the hf-tiny Llama shapes, for
 * the three bases PPO builds a critic on: a decoder reward model, the same under a peft adapter (merged into the
 * critic's base), and the actor (a reward that is no reward model). After one PPO iteration the saved critic reloads ({@link
 * ValueModel#load}) to the in-memory critic's values exactly, on a right-padded batch of two rows; loaded as a reward
 * model (what {@code --adapter} / an adapter directory alone give) its reward is the value at the last real token less
 * the value head's bias (1e-6).
 */
@Tag("slow") // three one-iteration PPO runs on a 32,000-token-vocabulary decoder
class LoraCriticTest {
    static final Path POLICY = LoraPpoTest.POLICY, RM = LoraPpoTest.RM, RM_ADAPTER = LoraPpoTest.RM_ADAPTER;
    static final int[] SHORT = {1, 1824, 349, 28705};

    @Test
    void fromADecoderRewardModel(@TempDir Path tmp) {
        JsonNode cfg = check(tmp, RM.toString(), null, "reward model");
        assertThat(Path.of(cfg.path("base_model_name_or_path").asText())).isEqualTo(RM.toAbsolutePath().normalize());
    }

    @Test
    void fromARewardModelUnderAnAdapter(@TempDir Path tmp) {
        JsonNode cfg = check(tmp, RM.toString(), RM_ADAPTER, "reward model");
        assertThat(cfg.path("base_model_name_or_path").asText()).isEmpty();
        JsonNode merged = Json.read(tmp.resolve(PpoTrainer.CRITIC_DIR).resolve(Adapters.REWARD_CONFIG)).path(Adapters.MERGED_BASE);
        assertThat(Path.of(merged.path("model").asText())).isEqualTo(RM.toAbsolutePath().normalize());
        assertThat(Path.of(merged.path("adapter").asText())).isEqualTo(RM_ADAPTER.toAbsolutePath().normalize());
    }

    @Test
    void fromTheActor(@TempDir Path tmp) {
        JsonNode cfg = check(tmp, null, null, "actor");
        assertThat(Path.of(cfg.path("base_model_name_or_path").asText())).isEqualTo(POLICY.toAbsolutePath().normalize());
    }

    /** One LoRA PPO iteration into {@code tmp} (reward null: a length reward), then the checks; returns the critic's adapter_config.json. */
    static JsonNode check(Path tmp, String reward, Path rewardAdapter, String from) {
        LoraConfig lora = LoraPpoTest.LORA;
        PpoRun.Lora l = new PpoRun.Lora(null, rewardAdapter, lora);
        TokenBatch batch = TokenBatch.of(List.of(seq(LoraPpoTest.IDS), seq(SHORT)), 0);
        float[][] values = new float[2][];
        float bias;
        try (CausalLm actor = PpoRun.actor(POLICY, l, false, tmp, 5, Device.cpu());
             CausalLm reference = PpoRun.policy(POLICY, null, Device.cpu());
             RewardFunction rm = reward == null ? CriticFreeLoopTest.SHORTER : PpoRun.reward(reward, rewardAdapter, Device.cpu());
             ValueModel critic = ValueModel.forPpo(reference, rm)
                     .withLora(new LoraConfig(4, 8, 0, lora.targetModules(), List.of(ValueModel.MODULE), LoraConfig.SEQ_CLS, ""), 5)) {
            assertThat(critic.initialisedFrom()).isEqualTo(from);
            if (from.equals("actor")) PpoRun.criticBase(critic, POLICY, null);
            else PpoRun.criticBase(critic, Path.of(reward), rewardAdapter);
            new PpoTrainer(actor, reference, critic, rm, null, LoraPpoTest.config(1), List.of()).train(LoraPpoTest.PROMPTS, tmp, false, null);
            try (NDScope s = new NDScope()) {
                float[] v = critic.values(batch, false).toFloatArray();
                values[0] = java.util.Arrays.copyOfRange(v, 0, batch.cols());
                values[1] = java.util.Arrays.copyOfRange(v, batch.cols(), 2 * batch.cols());
            }
            bias = critic.toHost().get(ValueModel.BIAS).data()[0];
            assertThat(bias).isNotZero(); // trained
        }
        Path dir = tmp.resolve(PpoTrainer.CRITIC_DIR);
        JsonNode cfg = Json.read(dir.resolve(Adapters.CONFIG));
        assertThat(cfg.path("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(cfg.path("r").asInt()).isEqualTo(4);
        assertThat(Json.MAPPER.convertValue(cfg.path("modules_to_save"), List.class)).isEqualTo(List.of("score"));
        Map<String, HostTensor> saved = Safetensors.read(dir.resolve(Adapters.WEIGHTS)).tensors();
        assertThat(saved).hasSize(2 * 7 * 2 + 1).containsKeys("base_model.model.score.weight",
                "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        assertThat(LoraPpoTest.norm(saved.get("base_model.model.score.weight").data())).isPositive(); // trained
        // From the actor the value head starts at zero, so one update reaches only the head and bias (the LoRA gradients
        // pass through the zero head); from a reward model the head is the RM's, and the adapter trains at once.
        double loraB = LoraPpoTest.norm(saved.get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").data());
        if (from.equals("actor")) assertThat(loraB).isZero();
        else assertThat(loraB).isPositive();

        // reloaded as the critic: the same values, bit for bit, at every real position of both rows
        try (ValueModel re = ValueModel.load(null, dir, Device.cpu()); NDScope s = new NDScope()) {
            float[] v = re.values(batch, false).toFloatArray();
            for (int r = 0; r < 2; r++) {
                int n = r == 0 ? LoraPpoTest.IDS.length : SHORT.length;
                for (int t = 0; t < n; t++) assertThat(v[r * batch.cols() + t]).as("row %d position %d", r, t).isEqualTo(values[r][t]);
            }
        }
        // reloaded as a reward model (an adapter directory alone, as --reward-model / --model read it): the value at the
        // last real token, less the bias
        try (RewardModel rrm = RewardModels.load(dir, Device.cpu())) {
            float[] r = rrm.score(List.of(seq(LoraPpoTest.IDS), seq(SHORT)), 2);
            assertThat((double) r[0]).isCloseTo(values[0][LoraPpoTest.IDS.length - 1] - bias, within(1e-6));
            assertThat((double) r[1]).isCloseTo(values[1][SHORT.length - 1] - bias, within(1e-6));
        }
        return cfg;
    }

    static EncodedSequence seq(int[] ids) {
        return new EncodedSequence(ids, new int[ids.length], false);
    }
}
