package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.synth.RlSets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** PPO keeps policy snapshots that reload, and logs the RM's agreement with gold on each iteration's rollouts. */
class PpoSnapshotsTest {

    @Test
    @Tag("slow") // a few PPO iterations
    void snapshotsReloadAndTheAgreementFieldsArePresent(@TempDir Path dir) throws Exception {
        RlSets.Sets s = RlSets.generate(24, 4, 32, 5);
        List<Demonstrations.Example> demos = new ArrayList<>();
        for (RlSets.Demonstration d : s.sft()) demos.add(new Demonstrations.Example(d.id(), d.prompt(), d.response(), Json.MAPPER.createObjectNode()));
        List<String> prompts = new ArrayList<>();
        for (RlSets.Prompt p : s.train()) prompts.add(p.prompt());
        Path start = dir.resolve("start");
        try (CausalLm p = Policies.scratch(RlLoopTest.TINY, demos, Device.cpu(), 3)) {
            p.save(start, null);
        }
        PpoConfig cfg = PpoConfig.builder().iterations(3).promptsPerIter(4).rollouts(4).maxNewTokens(8).minibatch(16).epochs(1)
                .seed(11).checkpointEvery(2).maxPromptTokens(32).snapshots(List.of(0, 2, 3)).build();
        Path out = dir.resolve("ppo");
        var prov = Json.MAPPER.createObjectNode().put("command", "ppo");
        try (CausalLm actor = CausalLm.load(start, Device.cpu()); CausalLm ref = CausalLm.load(start, Device.cpu());
             ValueModel critic = ValueModel.fromActor(ref)) {
            // gold as the reward model too: the RM in use agrees with gold on every pair it orders
            new PpoTrainer(actor, ref, critic, new GoldRewardFunction(), new GoldRewardFunction(), cfg, List.of()).train(prompts, out, false, prov);
        }
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(3);
        for (String l : lines) {
            JsonNode m = Json.MAPPER.readTree(l);
            assertThat(m.has("ppl")).as("no perplexity set, no ppl").isFalse();
            assertThat(m.has("rm_gold_pairs") && m.has("rm_gold_accuracy") && m.has("rm_gold_kendall_tau") && m.has("rm_gold_tau_prompts")).isTrue();
            if (m.path("rm_gold_pairs").asInt() > 0) {
                assertThat(m.path("rm_gold_accuracy").asDouble()).isEqualTo(1.0);
                assertThat(m.path("rm_gold_kendall_tau").asDouble()).isEqualTo(1.0);
            } else {
                assertThat(m.path("rm_gold_accuracy").isNull()).isTrue();
            }
        }
        assertThat(Files.exists(PpoTrainer.snapshotDir(out, 1))).isFalse();
        for (int it : new int[] {0, 2, 3}) {
            Path snap = PpoTrainer.snapshotDir(out, it);
            assertThat(snap.getFileName().toString()).isEqualTo(String.format("iter-%04d", it));
            JsonNode p = Json.MAPPER.readTree(snap.resolve("provenance.json").toFile());
            assertThat(p.path("snapshot_iteration").asInt()).isEqualTo(it);
            assertThat(p.path("command").asText()).isEqualTo("ppo");
        }
        Map<String, HostTensor> s0, s3, initial, last;
        try (CausalLm a = CausalLm.load(PpoTrainer.snapshotDir(out, 0), Device.cpu()); CausalLm b = CausalLm.load(start, Device.cpu());
             CausalLm c = CausalLm.load(PpoTrainer.snapshotDir(out, 3), Device.cpu()); CausalLm d = CausalLm.load(out.resolve("policy"), Device.cpu())) {
            s0 = a.parameters().toHost();
            initial = b.parameters().toHost();
            s3 = c.parameters().toHost();
            last = d.parameters().toHost();
        }
        for (String k : initial.keySet()) {
            assertThat(s0.get(k).data()).as(k).containsExactly(initial.get(k).data());
            assertThat(s3.get(k).data()).as(k).containsExactly(last.get(k).data());
        }
    }

    @Test
    void theDefaultSnapshotsAreTheStartEveryCheckpointAndTheLast() {
        PpoConfig c = PpoConfig.builder().iterations(60).checkpointEvery(25).build();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i <= 60; i++) if (c.snapshotAt(i)) at.add(i);
        assertThat(at).containsExactly(0, 25, 50, 60);
    }
}
