package dev.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.rl.Policies;
import dev.rlhf4j.serving.RewardServer;
import dev.rlhf4j.serving.ServedModel;
import dev.rlhf4j.serving.ServerConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * LoRA beyond train-rm and sft, from the command line on the hf-tiny Llama models and peft's adapter for the reward
 * model: serve and judge with --adapter give the merged model's rewards; ppo --lora-r saves a policy adapter that
 * reloads (on its base, through --policy-adapter, and merged) to the same logits; metarm --lora-r saves a SEQ_CLS adapter
 * that score --adapter reloads with identical rewards; strength --lora-r trains its members as adapters.
 */
class LoraCommandsCliTest {
    static final Path POLICY = SharedFiles.get("models/hf-tiny/llama");
    static final Path RM = SharedFiles.get("models/hf-tiny/llama-rm");
    static final Path RM_ADAPTER = SharedFiles.get("models/hf-tiny/peft-lora-llama-rm");
    static final int[] IDS = {1, 1824, 349, 28705, 28787, 648, 28705, 28782, 28804};

    static Path merged(Path adapter, Path out) {
        CliTest.Run m = CliTest.run("merge", "--adapter", adapter.toString(), "--out", out.toString());
        assertThat(m.code()).as(m.err()).isEqualTo(Main.OK);
        return out;
    }

    static double[] getReward(String url, List<String> texts) throws Exception {
        ObjectNode body = Json.MAPPER.createObjectNode();
        texts.forEach(body.putArray("query")::add);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/get_reward"))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode rewards = Json.MAPPER.readTree(r.body()).path("rewards");
        double[] out = new double[rewards.size()];
        for (int i = 0; i < out.length; i++) out[i] = rewards.get(i).asDouble();
        return out;
    }

    static double[] served(List<Path> models, List<Path> adapters, List<String> texts) throws Exception {
        List<ServedModel> loaded = ServeCommand.load(models, adapters, Device.cpu());
        try (RewardServer s = RewardServer.start(loaded, ServerConfig.loopback(0))) {
            return getReward(s.url(), texts);
        } finally {
            loaded.forEach(m -> m.model().close());
        }
    }

    @Test
    @Tag("slow") // a merge and two servers on a 32,000-token-vocabulary decoder: 8.5 s with the machine loaded
    void serveWithAnAdapterGivesPeftsRewardsAndTheMergedModels(@TempDir Path tmp) throws Exception {
        JsonNode golden = Json.read(RM_ADAPTER.resolve("golden.json"));
        List<String> texts = new ArrayList<>();
        golden.path("texts").forEach(t -> texts.add(t.asText()));
        double[] adapted = served(List.of(RM), List.of(RM_ADAPTER), texts);
        double[] merged = served(List.of(merged(RM_ADAPTER, tmp.resolve("merged"))), null, texts);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(adapted[i]).isCloseTo(golden.path("rewards").get(i).asDouble(), within(1e-4)); // peft's own reward
            assertThat(merged[i]).isCloseTo(adapted[i], within(1e-5));
        }
        assertThatThrownBy(() -> ServeCommand.load(List.of(RM, RM), List.of(RM_ADAPTER), Device.cpu()))
                .hasMessageContaining("1 --adapter for 2 --model");
    }

    @Test
    @Tag("slow") // two PPO iterations, one more to start from the saved adapter, and two judge runs on a 32,000-token vocabulary
    void ppoWithLoraSavesAPolicyAdapterThatReloadsAndJudgeWithAnAdapterScoresAsTheMergedModel(@TempDir Path tmp) throws Exception {
        Path prompts = tmp.resolve("prompts.jsonl");
        List<ObjectNode> ps = new ArrayList<>();
        for (String p : List.of("What is 2 + 2?", "Name a colour.", "Say hello.", "Count to three.")) ps.add(Json.MAPPER.createObjectNode().put("prompt", p));
        Jsonl.write(prompts, ps);
        List<String> common = List.of("--reward-model", RM.toString(), "--adapter", RM_ADAPTER.toString(), "--prompts", prompts.toString(),
                "--prompts-per-iter", "2", "--rollouts", "2", "--max-new-tokens", "6", "--minibatch", "4", "--ppo-epochs", "1",
                "--actor-lr", "1e-2", "--critic-lr", "1e-2", "--max-prompt-tokens", "16", "--lora-r", "4", "--lora-alpha", "8");
        Path run = tmp.resolve("ppo");
        List<String> a = new ArrayList<>(List.of("ppo", "--policy", POLICY.toString(), "--out", run.toString(), "--iterations", "2"));
        a.addAll(common);
        CliTest.Run p = CliTest.run(a.toArray(String[]::new));
        assertThat(p.code()).as(p.err()).isEqualTo(Main.OK);
        // trained, by hand: per layer A and B of r 4 on q (32→32) 256, k and v (32→16) 192 each, o 256, gate and up (32→64)
        // 384 each, down (64→32) 384: 2,048 per layer, 4,096 in all; the critic adds the value head's 32 + 1
        assertThat(p.err()).contains("4,096 trained)").contains("critic from the reward model (4,129 trained)");
        JsonNode cfg = Json.MAPPER.readTree(run.resolve("policy").resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(Json.MAPPER.readTree(run.resolve("ppo.json").toFile()).path("reward_adapter").asText()).isEqualTo(RM_ADAPTER.toString());
        Map<String, HostTensor> trained = Safetensors.read(run.resolve("policy").resolve(Adapters.WEIGHTS)).tensors();
        assertThat(trained).hasSize(2 * 7 * 2);

        // the policy adapter on its base and merged by the merge command: the same logits
        float[] adapted;
        try (CausalLm lm = Policies.load(run.resolve("policy"), Device.cpu())) {
            adapted = lm.lastLogits(IDS);
        }
        try (CausalLm lm = CausalLm.load(merged(run.resolve("policy"), tmp.resolve("policy-merged")), Device.cpu())) {
            float[] m = lm.lastLogits(IDS);
            for (int i = 0; i < m.length; i++) assertThat(m[i]).isCloseTo(adapted[i], within(1e-5f));
        }
        // ppo --policy BASE --policy-adapter DIR --lora-r: starts from that adapter (its snapshot 0 is the adapter as loaded)
        Path again = tmp.resolve("again");
        List<String> b = new ArrayList<>(List.of("ppo", "--policy", POLICY.toString(), "--policy-adapter", run.resolve("policy").toString(),
                "--out", again.toString(), "--iterations", "1"));
        b.addAll(common);
        CliTest.Run q = CliTest.run(b.toArray(String[]::new));
        assertThat(q.code()).as(q.err()).isEqualTo(Main.OK);
        Map<String, HostTensor> start = Safetensors.read(again.resolve("snapshots/iter-0000").resolve(Adapters.WEIGHTS)).tensors();
        for (var e : trained.entrySet()) assertThat(start.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());

        // judge: the LoRA run's policy against the base, judged by the reward model + adapter and by the merged reward model
        Path mergedRm = merged(RM_ADAPTER, tmp.resolve("rm-merged"));
        double[][] scores = new double[2][];
        for (int k = 0; k < 2; k++) {
            Path out = tmp.resolve("judge" + k);
            List<String> j = new ArrayList<>(List.of("judge", "--a", run.toString(), "--b", POLICY.toString(), "--prompts", prompts.toString(),
                    "--limit", "2", "--samples-per-prompt", "1", "--max-new-tokens", "6", "--max-prompt-tokens", "16", "--out", out.toString()));
            j.addAll(k == 0 ? List.of("--judge", RM.toString(), "--adapter", RM_ADAPTER.toString()) : List.of("--judge", mergedRm.toString()));
            CliTest.Run r = CliTest.run(j.toArray(String[]::new));
            assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
            List<String> lines = Files.readAllLines(out.resolve("judge.jsonl"));
            assertThat(lines).hasSize(2);
            scores[k] = new double[2 * lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                JsonNode o = Json.MAPPER.readTree(lines.get(i));
                scores[k][2 * i] = o.path("score_a").asDouble();
                scores[k][2 * i + 1] = o.path("score_b").asDouble();
            }
        }
        for (int i = 0; i < scores[0].length; i++) assertThat(scores[1][i]).isCloseTo(scores[0][i], within(1e-5));
    }

    static Path pairs(Path tmp, int n) throws Exception {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, n);
        Path data = tmp.resolve("pairs.jsonl");
        Jsonl.write(data, pairs.stream().map(PreferencePair::record).toList());
        return data;
    }

    static float[] scores(Path scored) throws Exception {
        List<String> lines = Files.readAllLines(scored);
        float[] out = new float[2 * lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode o = Json.MAPPER.readTree(lines.get(i));
            out[2 * i] = (float) o.path("chosen_reward").asDouble();
            out[2 * i + 1] = (float) o.path("rejected_reward").asDouble();
        }
        return out;
    }

    @Test
    @Tag("slow") // MetaRM steps and scoring on a 32,000-token-vocabulary decoder
    void metarmWithLoraSavesAnAdapterThatScoreReloadsWithIdenticalRewards(@TempDir Path tmp) throws Exception {
        Path data = pairs(tmp, 8);
        Path prompts = tmp.resolve("prompts.jsonl");
        Jsonl.write(prompts, List.of(Json.MAPPER.createObjectNode().put("prompt", "Say hello."), Json.MAPPER.createObjectNode().put("prompt", "Name a colour.")));
        Path out = tmp.resolve("meta");
        CliTest.Run m = CliTest.run("metarm", "--reward-model", RM.toString(), "--data", data.toString(), "--policy", POLICY.toString(),
                "--prompts", prompts.toString(), "--out", out.toString(), "--valid-fraction", "0", "--meta-steps", "2", "--meta-prompts", "2",
                "--meta-groups", "1", "--meta-k", "2", "--meta-batch-pairs", "2", "--meta-max-new-tokens", "4", "--meta-lr", "1e-2",
                "--lora-r", "4", "--lora-alpha", "8");
        assertThat(m.code()).as(m.err()).isEqualTo(Main.OK);
        JsonNode cfg = Json.MAPPER.readTree(out.resolve(Adapters.CONFIG).toFile());
        assertThat(cfg.path("task_type").asText()).isEqualTo("SEQ_CLS");
        assertThat(cfg.path("modules_to_save").get(0).asText()).isEqualTo("score");
        assertThat(Path.of(cfg.path("base_model_name_or_path").asText())).isEqualTo(RM.toAbsolutePath().normalize());
        Map<String, HostTensor> saved = Safetensors.read(out.resolve(Adapters.WEIGHTS)).tensors();
        assertThat(saved).hasSize(2 * 7 * 2 + 1);
        // the head trained in full (it moved from the base's)
        Map<String, HostTensor> base = Safetensors.read(RM.resolve("model.safetensors")).tensors();
        assertThat(saved.get("base_model.model.score.weight").data()).isNotEqualTo(base.get("score.weight").data());

        Path viaAdapter = tmp.resolve("a.jsonl"), alone = tmp.resolve("b.jsonl"), viaMerged = tmp.resolve("c.jsonl");
        assertThat(CliTest.run("score", "--model", RM.toString(), "--adapter", out.toString(), "--data", data.toString(), "--out",
                viaAdapter.toString()).code()).isEqualTo(Main.OK);
        assertThat(CliTest.run("score", "--model", out.toString(), "--data", data.toString(), "--out", alone.toString()).code()).isEqualTo(Main.OK);
        assertThat(CliTest.run("score", "--model", merged(out, tmp.resolve("merged")).toString(), "--data", data.toString(), "--out",
                viaMerged.toString()).code()).isEqualTo(Main.OK);
        float[] a = scores(viaAdapter);
        assertThat(scores(alone)).containsExactly(a);
        float[] mm = scores(viaMerged);
        for (int i = 0; i < a.length; i++) assertThat(mm[i]).isCloseTo(a[i], within(1e-5f));
        try (RewardModel rm = RewardModels.load(out, Device.cpu()); RewardModel plain = RewardModels.load(RM, Device.cpu())) {
            assertThat(rm.adapter()).isNotNull();
            // the base under the adapter is the file's, untouched
            assertThat(rm.backbone().parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray())
                    .containsExactly(plain.backbone().parameters().get("model.layers.0.self_attn.q_proj.weight").toFloatArray());
        }
    }

    @Test
    @Tag("slow") // two members of a few LoRA steps on a 32,000-token-vocabulary decoder
    void strengthWithLoraTrainsEachMemberAsAnAdapter(@TempDir Path tmp) throws Exception {
        Path data = pairs(tmp, 6);
        Path out = tmp.resolve("strength");
        CliTest.Run s = CliTest.run("strength", "--data", data.toString(), "--out", out.toString(), "--backbone", POLICY.toString(),
                "--members", "2", "--max-length", "48", "--batch-size", "2", "--max-steps", "2", "--lr", "1e-2", "--lora-r", "2");
        assertThat(s.code()).as(s.err()).isEqualTo(Main.OK);
        List<String> lines = Files.readAllLines(out.resolve("strength.jsonl"));
        assertThat(lines).hasSize(6);
        for (String l : lines) {
            JsonNode o = Json.MAPPER.readTree(l);
            JsonNode c = o.path("chosen score list"), r = o.path("rejected score list");
            assertThat(c.size()).isEqualTo(2);
            // μ̂ is the members' mean of chosen − rejected, and the two members (different adapters and heads) differ
            double mean = ((c.get(0).asDouble() - r.get(0).asDouble()) + (c.get(1).asDouble() - r.get(1).asDouble())) / 2;
            assertThat(o.path("mean preference difference").asDouble()).isCloseTo(mean, within(1e-6));
            assertThat(c.get(0).asDouble()).isNotEqualTo(c.get(1).asDouble());
        }
        assertThat(Json.MAPPER.readTree(out.resolve("strength.json").toFile()).path("provenance").path("lora").path("r").asInt()).isEqualTo(2);
    }
}
