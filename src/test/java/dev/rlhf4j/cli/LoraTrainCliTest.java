package dev.rlhf4j.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code train-rm --lora-r 4} on the hf-tiny Llama backbone: the checkpoint is a PEFT adapter directory (PEFT's names,
 * the score head in modules_to_save, base_model_name_or_path), the base stays frozen, the adapter reloads with
 * identical rewards, {@code merge} gives the same rewards within 1e-5, and {@code --resume} keeps optimizer state for
 * the trained tensors only.
 */
class LoraTrainCliTest {

    static List<EncodedSequence> encode(RewardModel rm, List<PreferencePair> pairs) {
        List<EncodedSequence> seqs = new ArrayList<>();
        for (var e : rm.encoder().encodePairs(pairs)) {
            seqs.add(e.chosen());
            seqs.add(e.rejected());
        }
        return seqs;
    }

    static double maxDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    static float[] rewards(RewardModel rm, List<EncodedSequence> seqs) {
        try (NDScope scope = new NDScope()) {
            return rm.rewards(TokenBatch.of(seqs, rm.encoder().padId()), false).toFloatArray();
        }
    }

    @Test
    @Tag("slow") // a few training steps on a 32,000-token-vocabulary decoder
    void anAdapterTrainedByTrainRmReloadsWithIdenticalRewardsAndMergesToTheSame(@TempDir Path tmp) throws Exception {
        Path base = SharedFiles.get("models/hf-tiny/llama");
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, 12);
        Path data = tmp.resolve("pairs.jsonl");
        Jsonl.write(data, pairs.stream().map(PreferencePair::record).toList());
        Path out = tmp.resolve("rm");
        CliTest.Run t = CliTest.run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", base.toString(),
                "--max-length", "48", "--batch-size", "2", "--max-steps", "3", "--valid-fraction", "0", "--lr", "1e-2",
                "--lora-r", "4", "--lora-alpha", "8");
        assertThat(t.code()).as(t.err()).isEqualTo(Main.OK);

        JsonNode cfg = Json.MAPPER.readTree(out.resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("peft_type").asText()).isEqualTo("LORA");
        assertThat(cfg.path("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(cfg.path("r").asInt()).isEqualTo(4);
        assertThat(cfg.path("lora_alpha").asInt()).isEqualTo(8);
        assertThat(cfg.path("modules_to_save").get(0).asText()).isEqualTo("score");
        assertThat(Path.of(cfg.path("base_model_name_or_path").asText())).isEqualTo(base.toAbsolutePath().normalize());
        Map<String, HostTensor> saved = Safetensors.read(out.resolve(Adapters.WEIGHTS)).tensors();
        // 2 layers × 7 projections × (A, B) + the head
        assertThat(saved).hasSize(29).containsKeys("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", "base_model.model.score.weight");
        assertThat(saved.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape()).containsExactly(4, 32);
        // B started at zero and trained
        float[] b = saved.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").data();
        double norm = 0;
        for (float v : b) norm += v * v;
        assertThat(norm).isGreaterThan(0);
        assertThat(out.resolve(RewardModels.PROVENANCE)).exists();

        float[] adapted, merged;
        List<EncodedSequence> seqs;
        try (RewardModel rm = RewardModels.load(out, Device.cpu())) {
            assertThat(rm.adapter()).isNotNull();
            seqs = encode(rm, pairs);
            adapted = rewards(rm, seqs);
            // the base weights stayed frozen: the reloaded base equals the file
            Map<String, HostTensor> baseWeights = Safetensors.read(base.resolve("model.safetensors")).tensors();
            assertThat(rm.backbone().parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray())
                    .containsExactly(baseWeights.get("model.layers.0.self_attn.q_proj.weight").data());
            Adapters.merge(rm);
            merged = rewards(rm, seqs);
        }
        System.out.printf("lora train-rm: merged vs adapted max |difference| %.3g%n", maxDiff(merged, adapted));
        for (int i = 0; i < adapted.length; i++) assertThat(merged[i]).isCloseTo(adapted[i], within(1e-5f));
        // the base alone scores differently: training moved the adapter or the head
        Path mergedDir = tmp.resolve("merged");
        assertThat(Main.execute("merge", "--adapter", out.toString(), "--out", mergedDir.toString())).isEqualTo(Main.OK);
        try (RewardModel rm = RewardModels.load(mergedDir, Device.cpu())) {
            assertThat(rm.adapter()).isNull();
            float[] r = rewards(rm, seqs);
            System.out.printf("lora train-rm: merge command vs adapted max |difference| %.3g%n", maxDiff(r, adapted));
            for (int i = 0; i < adapted.length; i++) assertThat(r[i]).isCloseTo(adapted[i], within(1e-5f));
        }
        // the same rewards a second time from the reload (identical, not merely close)
        try (RewardModel rm = RewardModels.load(out, Device.cpu())) {
            assertThat(rewards(rm, seqs)).containsExactly(adapted);
        }

        // Interrupted after 2 steps and resumed to 3: the uninterrupted run's adapter (within 1e-4); the optimizer state
        // holds moments of the trained tensors only (A, B and the head).
        Path cut = tmp.resolve("cut");
        List<String> common = List.of("train-rm", "--data", data.toString(), "--backbone", base.toString(), "--max-length", "48",
                "--batch-size", "2", "--valid-fraction", "0", "--lr", "1e-2", "--lora-r", "4", "--lora-alpha", "8");
        List<String> first = new ArrayList<>(common);
        first.addAll(List.of("--out", cut.toString(), "--max-steps", "2"));
        CliTest.Run r1 = CliTest.run(first.toArray(String[]::new));
        assertThat(r1.code()).as(r1.err()).isEqualTo(Main.OK);
        Map<String, HostTensor> moments = Safetensors.read(cut.resolve("resume").resolve("optimizer_model.safetensors")).tensors();
        assertThat(moments.keySet()).allMatch(n -> n.contains("lora_") || n.contains("score.weight"), "only trained tensors")
                .noneMatch(n -> n.contains("q_proj.weight.") || n.contains("embed_tokens"));
        assertThat(moments).hasSize(2 * 29);
        List<String> again = new ArrayList<>(common);
        again.addAll(List.of("--resume", cut.toString(), "--max-steps", "3"));
        CliTest.Run r2 = CliTest.run(again.toArray(String[]::new));
        assertThat(r2.code()).as(r2.err()).isEqualTo(Main.OK);
        assertThat(r2.err()).contains("resuming after step 2");
        Map<String, HostTensor> resumed = Safetensors.read(cut.resolve(Adapters.WEIGHTS)).tensors();
        double resumeDiff = 0;
        for (var e : saved.entrySet()) resumeDiff = Math.max(resumeDiff, maxDiff(resumed.get(e.getKey()).data(), e.getValue().data()));
        System.out.printf("lora train-rm: resumed vs uninterrupted adapter max |difference| %.3g%n", resumeDiff);
        for (var e : saved.entrySet()) { // the tolerance TrainingTest's resume allows (Adam magnifies float rounding in tiny gradients)
            float[] got = resumed.get(e.getKey()).data(), want = e.getValue().data();
            for (int i = 0; i < want.length; i++) assertThat(got[i]).as(e.getKey()).isCloseTo(want[i], within(1e-4f));
        }
    }

    @Test
    @Tag("slow") // a few training steps of MiniLM
    void aBertAdapterOnMiniLmReloadsWithIdenticalRewardsAndMergesToTheSame(@TempDir Path tmp) throws Exception {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, 12);
        Path data = tmp.resolve("pairs.jsonl");
        Jsonl.write(data, pairs.stream().map(PreferencePair::record).toList());
        Path out = tmp.resolve("rm");
        CliTest.Run t = CliTest.run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", "minilm",
                "--max-length", "48", "--batch-size", "2", "--max-steps", "2", "--valid-fraction", "0", "--lr", "1e-2",
                "--lora-r", "4");
        assertThat(t.code()).as(t.err()).isEqualTo(Main.OK);
        JsonNode cfg = Json.MAPPER.readTree(out.resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("base_model_name_or_path").asText()).isEqualTo("minilm");
        List<String> targets = new ArrayList<>();
        cfg.path("target_modules").forEach(n -> targets.add(n.asText()));
        assertThat(targets).containsExactly("query", "key", "value", "dense");
        // 6 layers × (query, key, value, attention.output.dense, intermediate.dense, output.dense) × (A, B) + the head
        assertThat(Safetensors.read(out.resolve(Adapters.WEIGHTS)).tensors()).hasSize(6 * 6 * 2 + 1)
                .containsKey("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight");
        float[] adapted;
        List<EncodedSequence> seqs;
        try (RewardModel rm = RewardModels.load(out, Device.cpu())) {
            assertThat(rm.pooling()).isEqualTo(dev.rlhf4j.model.Pooling.CLS);
            seqs = encode(rm, pairs);
            adapted = rewards(rm, seqs);
            Adapters.merge(rm);
            float[] merged = rewards(rm, seqs);
            System.out.printf("lora train-rm minilm: merged vs adapted max |difference| %.3g%n", maxDiff(merged, adapted));
            for (int i = 0; i < adapted.length; i++) assertThat(merged[i]).isCloseTo(adapted[i], within(1e-5f));
        }
        try (RewardModel rm = RewardModels.load(out, Device.cpu());
             RewardModel base = RewardModels.pretrained("minilm", Device.cpu(), dev.rlhf4j.model.Pooling.CLS, 48, 0)) {
            assertThat(rewards(rm, seqs)).containsExactly(adapted);
            // the base under the trained head scores differently: the adapter itself changed the rewards
            dev.rlhf4j.engine.Engines.assign(base.parameters().get(RewardModel.HEAD), rm.parameters().get(RewardModel.HEAD).toFloatArray());
            assertThat(rewards(base, seqs)).isNotEqualTo(adapted);
        }
    }

    @Test
    @Tag("slow") // two SFT steps on a 32,000-token-vocabulary decoder
    void sftWithLoraSavesACausalLmAdapterThatReloadsAndMerges(@TempDir Path tmp) throws Exception {
        Path base = SharedFiles.get("models/hf-tiny/llama");
        Path data = tmp.resolve("sft.jsonl");
        List<com.fasterxml.jackson.databind.node.ObjectNode> demos = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            demos.add(Json.MAPPER.createObjectNode().put("prompt", "What is " + i + " + 1?").put("response", "It is " + (i + 1) + "."));
        }
        Jsonl.write(data, demos);
        Path out = tmp.resolve("sft");
        CliTest.Run t = CliTest.run("sft", "--data", data.toString(), "--out", out.toString(), "--init", base.toString(),
                "--epochs", "1", "--batch-size", "4", "--max-length", "32", "--max-prompt-tokens", "16", "--valid-fraction", "0",
                "--lr", "1e-2", "--lora-r", "4", "--lora-alpha", "8");
        assertThat(t.code()).as(t.err()).isEqualTo(Main.OK);
        JsonNode cfg = Json.MAPPER.readTree(out.resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(cfg.path("modules_to_save").isNull()).isTrue();
        assertThat(Safetensors.read(out.resolve(Adapters.WEIGHTS)).tensors()).hasSize(2 * 7 * 2)
                .containsKey("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight");
        int[] ids = {1, 1824, 349, 28705, 28787, 648, 28705, 28782, 28804};
        float[] adapted;
        try (var lm = dev.rlhf4j.rl.Policies.load(out, Device.cpu())) {
            adapted = lm.lastLogits(ids);
            try (var plain = dev.rlhf4j.model.decoder.CausalLm.load(base, Device.cpu())) {
                assertThat(plain.lastLogits(ids)).isNotEqualTo(adapted); // SFT moved the adapter
            }
        }
        Path merged = tmp.resolve("merged");
        assertThat(Main.execute("merge", "--adapter", out.toString(), "--out", merged.toString())).isEqualTo(Main.OK);
        try (var lm = dev.rlhf4j.model.decoder.CausalLm.load(merged, Device.cpu())) {
            float[] m = lm.lastLogits(ids);
            System.out.printf("lora sft: merged checkpoint vs adapted logits max |difference| %.3g%n", maxDiff(m, adapted));
            for (int i = 0; i < m.length; i++) assertThat(m[i]).isCloseTo(adapted[i], within(1e-5f));
        }
    }
}
