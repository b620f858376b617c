package dev.rlhf4j.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.rl.ValueModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code rlhf --lora-r} end to end on a tiny task (MiniLM reward model, a one-layer scratch policy, two MetaRM rounds):
 * the reward model, every PPO's actor and critic and every MetaRM are PEFT adapters over the right bases, and round
 * 2's critic (over the SFT policy with round 1's adapter merged) reloads as a reward model with its values.
 */
@Tag("slow") // a whole rlhf run: reward model, SFT, three PPOs, two MetaRMs, five judgements
class RlhfLoraCliTest {
    @Test
    void everyTrainedStageIsAnAdapterOverItsBase(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("rlhf");
        CliTest.Run r = CliTest.run("rlhf", "--out", out.toString(), "--rounds", "2", "--pairs", "40", "--train-prompts", "8",
                "--heldout-prompts", "4", "--sft-demos", "60", "--judge-prompts", "2", "--samples-per-prompt", "1", "--sft-epochs", "1",
                "--layers", "1", "--dim", "32", "--heads", "2", "--iterations", "1", "--prompts-per-iter", "2", "--rollouts", "2",
                "--minibatch", "4", "--max-new-tokens", "6", "--meta-steps", "2", "--meta-prompts", "2", "--meta-k", "2",
                "--meta-groups", "1", "--meta-batch-pairs", "4", "--meta-max-new-tokens", "6", "--lora-r", "4", "--lora-alpha", "8");
        assertThat(r.code()).as(r.err()).isZero();
        Path sft = out.resolve("sft").toAbsolutePath().normalize();
        assertThat(out.resolve("sft").resolve("config.json")).exists(); // SFT trains in full

        assertThat(adapter(out.resolve("rm")).path("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(adapter(out.resolve("rm")).path("target_modules").toString()).contains("query");
        JsonNode vanillaPolicy = adapter(out.resolve("ppo-vanilla").resolve("policy"));
        assertThat(vanillaPolicy.path("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(Path.of(vanillaPolicy.path("base_model_name_or_path").asText())).isEqualTo(sft);
        JsonNode vanillaCritic = adapter(out.resolve("ppo-vanilla").resolve("critic"));
        assertThat(vanillaCritic.path("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(Path.of(vanillaCritic.path("base_model_name_or_path").asText())).isEqualTo(sft); // a BERT RM: critic from the actor
        for (String round : List.of("round-1", "round-2")) { // round 1 starts from SFT, round 2 from round 1's adapter
            assertThat(adapter(out.resolve(round).resolve("metarm")).path("task_type").asText()).isEqualTo("SEQ_CLS");
            JsonNode policy = adapter(out.resolve(round).resolve("ppo").resolve("policy"));
            assertThat(policy.path("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(Path.of(policy.path("base_model_name_or_path").asText())).isEqualTo(sft);
        }
        assertThat(Path.of(adapter(out.resolve("round-1").resolve("ppo").resolve("critic")).path("base_model_name_or_path").asText()))
                .isEqualTo(sft);

        // round 2's critic: over the SFT policy with round 1's adapter merged (merged_base)
        Path critic = out.resolve("round-2").resolve("ppo").resolve("critic");
        assertThat(adapter(critic).path("base_model_name_or_path").asText()).isEmpty();
        JsonNode merged = Json.read(critic.resolve(Adapters.REWARD_CONFIG)).path(Adapters.MERGED_BASE);
        assertThat(Path.of(merged.path("model").asText())).isEqualTo(sft);
        assertThat(Path.of(merged.path("adapter").asText()))
                .isEqualTo(out.resolve("round-1").resolve("ppo").resolve("policy").toAbsolutePath().normalize());
        int[] ids = {2, 5, 7, 9, 11};
        EncodedSequence seq = new EncodedSequence(ids, new int[ids.length], false);
        try (ValueModel v = ValueModel.load(null, critic, Device.cpu()); RewardModel rm = RewardModels.load(critic, Device.cpu());
             NDScope s = new NDScope()) {
            float value = v.values(TokenBatch.of(List.of(seq), 0), false).getFloat(0, ids.length - 1);
            float bias = v.toHost().get("value_head.bias").data()[0];
            assertThat((double) rm.score(List.of(seq), 1)[0]).isCloseTo(value - bias, within(1e-5));
        }
        JsonNode summary = Json.read(out.resolve("rlhf.json"));
        assertThat(summary.path("rounds")).hasSize(3);
        assertThat(summary.path("provenance").path("lora").path("ppo").path("r").asInt()).isEqualTo(4);

        CliTest.Run bad = CliTest.run("rlhf", "--out", tmp.resolve("x").toString(), "--lora-r", "4", "--rm-train-top-layers", "2");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("do not combine");
    }

    static JsonNode adapter(Path dir) {
        return Json.read(dir.resolve(Adapters.CONFIG));
    }
}
