package dev.rlhf4j.model.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.cli.Main;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Adapters written by peft 0.21 (hf-tiny/peft-lora-llama-rm: r 4, α 8 on every projection, score head in
 * modules_to_save; hf-tiny/peft-lora-llama: r 8, α 16 on q_proj and v_proj) against the rewards, losses and logits
 * peft computed (golden.json), within 1e-4: alone, right- and left-padded, and after merging into W.
 */
class PeftFixturesTest {

    static JsonNode golden(String name) throws Exception {
        return Json.MAPPER.readTree(SharedFiles.get("models/hf-tiny/" + name + "/golden.json").toFile());
    }

    static List<EncodedSequence> sequences(JsonNode golden) {
        List<EncodedSequence> seqs = new ArrayList<>();
        for (JsonNode ids : golden.path("input_ids")) seqs.add(sequence(ids));
        return seqs;
    }

    static EncodedSequence sequence(JsonNode ids) {
        int[] a = new int[ids.size()];
        for (int i = 0; i < a.length; i++) a[i] = ids.get(i).asInt();
        return new EncodedSequence(a, new int[a.length], false);
    }

    static float[] rewards(RewardModel rm, TokenBatch batch) {
        try (NDScope scope = new NDScope()) {
            return rm.rewards(batch, false).toFloatArray();
        }
    }

    static void assertClose(float[] got, JsonNode want, String how) {
        assertThat(got).as(how).hasSize(want.size());
        double max = 0;
        for (int i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i] - want.get(i).asDouble()));
        System.out.printf("peft fixture %s: max |error| %.3g%n", how, max);
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as(how + " " + i).isCloseTo(want.get(i).asDouble(), within(1e-4));
        }
    }

    static void assertRewardModelMatches(RewardModel rm, JsonNode golden, String key, boolean padded) {
        List<EncodedSequence> seqs = sequences(golden);
        float[] alone = new float[seqs.size()];
        for (int i = 0; i < alone.length; i++) alone[i] = rewards(rm, TokenBatch.of(List.of(seqs.get(i)), 0))[0];
        assertClose(alone, golden.path(key), key + " alone");
        if (padded) {
            assertClose(rewards(rm, TokenBatch.of(seqs, 0)), golden.path("rewards_right_padded"), "right-padded");
            assertClose(rewards(rm, TokenBatch.leftPadded(seqs, 0)), golden.path("rewards_left_padded"), "left-padded");
        }
    }

    @Test
    void theRewardModelAdapterGivesPeftsRewardsAloneAndPaddedEitherSideAndMerged() throws Exception {
        JsonNode golden = golden("peft-lora-llama-rm");
        Path adapter = SharedFiles.get("models/hf-tiny/peft-lora-llama-rm");
        // base_model_name_or_path "../llama-rm" resolves beside the adapter directory
        try (RewardModel rm = RewardModels.load(adapter, Device.cpu())) {
            assertThat(rm.adapter().adaptedWeights()).hasSize(14);
            assertThat(rm.adapter().config().scale()).isEqualTo(2.0);
            assertRewardModelMatches(rm, golden, "rewards", true);
            Adapters.merge(rm);
            assertThat(rm.adapter()).isNull();
            assertRewardModelMatches(rm, golden, "rewards_merged", true);
        }
    }

    @Test
    void theBaseAloneDiffersFromTheAdaptedModel() throws Exception {
        // guards against an adapter that silently adds nothing
        JsonNode golden = golden("peft-lora-llama-rm");
        try (RewardModel base = RewardModels.load(SharedFiles.get("models/hf-tiny/llama-rm"), Device.cpu())) {
            float[] r = rewards(base, TokenBatch.of(List.of(sequences(golden).get(0)), 0));
            assertThat(Math.abs(r[0] - golden.path("rewards").get(0).asDouble())).isGreaterThan(1e-2);
        }
    }

    @Test
    void theCausalLmAdapterGivesPeftsLossAndLogitsAndMerged() throws Exception {
        JsonNode golden = golden("peft-lora-llama");
        Path adapter = SharedFiles.get("models/hf-tiny/peft-lora-llama");
        try (CausalLm lm = Adapters.loadCausalLm(null, adapter, Device.cpu())) {
            assertLmMatches(lm, golden, "adapted");
            Adapters.merge(lm);
            assertThat(lm.decoder().adapter()).isNull();
            assertLmMatches(lm, golden, "merged");
        }
    }

    @Test
    void mergeWritesFullCheckpointsWithThePeftOutputs(@TempDir Path rmOut, @TempDir Path lmOut) throws Exception {
        Path hf = SharedFiles.get("models/hf-tiny");
        assertThat(Main.execute("merge", "--model", hf.resolve("llama-rm").toString(), "--adapter",
                hf.resolve("peft-lora-llama-rm").toString(), "--out", rmOut.toString())).isEqualTo(Main.OK);
        JsonNode cfg = Json.MAPPER.readTree(rmOut.resolve("config.json").toFile());
        assertThat(cfg.path("architectures").get(0).asText()).isEqualTo("LlamaForSequenceClassification");
        assertThat(rmOut.resolve("provenance.json")).exists();
        try (RewardModel rm = RewardModels.load(rmOut, Device.cpu())) {
            assertThat(rm.adapter()).isNull();
            assertRewardModelMatches(rm, golden("peft-lora-llama-rm"), "rewards_merged", true);
        }
        // the base from the adapter's base_model_name_or_path
        assertThat(Main.execute("merge", "--adapter", hf.resolve("peft-lora-llama").toString(), "--out", lmOut.toString()))
                .isEqualTo(Main.OK);
        assertThat(Json.MAPPER.readTree(lmOut.resolve("config.json").toFile()).path("architectures").get(0).asText())
                .isEqualTo("LlamaForCausalLM");
        try (CausalLm lm = CausalLm.load(lmOut, Device.cpu())) {
            assertLmMatches(lm, golden("peft-lora-llama"), "merged checkpoint");
        }
    }

    static void assertLmMatches(CausalLm lm, JsonNode golden, String how) {
        for (JsonNode c : golden.path("cases")) {
            int[] ids = sequence(c.path("input_ids")).ids();
            System.out.printf("peft fixture %s loss: |error| %.3g%n", how, Math.abs(lm.loss(ids) - c.path("loss").asDouble()));
            assertThat(lm.loss(ids)).as(how + " loss").isCloseTo(c.path("loss").asDouble(), within(1e-4));
            float[] logits = lm.lastLogits(ids);
            float[] first8 = java.util.Arrays.copyOf(logits, 8);
            assertClose(first8, c.path("last_logits_first8"), how + " logits");
            int argmax = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[argmax]) argmax = i;
            assertThat(argmax).as(how + " argmax").isEqualTo(c.path("last_logits_argmax").asInt());
        }
    }
}
