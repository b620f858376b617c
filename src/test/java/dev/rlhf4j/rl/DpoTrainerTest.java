package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.synth.RlSets;
import dev.rlhf4j.train.TrainListener;
import org.junit.jupiter.api.BeforeAll;
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

/** DPO on a tiny policy: it learns the preferred side, caches the reference, resumes to the same weights. */
@Tag("slow") // slow tier: two short DPO runs
class DpoTrainerTest {
    static final Policies.Shape TINY = new Policies.Shape(1, 32, 2, 2, 64, 128, null);
    static final DpoConfig CFG = DpoConfig.builder().loss(new DpoLoss(DpoLoss.Kind.DPO, 0.5)).epochs(2).batchSize(8).lr(5e-3)
            .warmupRatio(0).schedule("constant").seed(7).maxLength(64).maxPromptTokens(32).evalEvery(0).build();
    static List<Demonstrations.Example> demos = new ArrayList<>();
    static List<DpoPairs.Item> pairs = new ArrayList<>();

    @BeforeAll
    static void data() {
        RlSets.Sets s = RlSets.generate(40, 8, 96, 5);
        for (RlSets.Demonstration d : s.sft()) {
            demos.add(new Demonstrations.Example(d.id(), d.prompt(), d.response(), Json.MAPPER.createObjectNode()));
        }
        // The demonstration is chosen; another prompt's demonstration after a rude opening is rejected: learnable from
        // the rejected response's first words alone.
        for (int i = 0; i < demos.size(); i++) {
            Demonstrations.Example e = demos.get(i), o = demos.get((i + 7) % demos.size());
            pairs.add(new DpoPairs.Item("p" + i, e.prompt(), e.response(), "Whatever. No. " + o.response(), 0, 0, false, Double.NaN));
        }
    }

    @Test
    void learnsCachesTheReferenceAndResumes(@TempDir Path dir) throws Exception {
        List<DpoPairs.Item> train = pairs.subList(0, 80), valid = pairs.subList(80, 96);
        Map<String, HostTensor> straight;
        DpoTrainer.Result r;
        Path a = dir.resolve("a");
        try (CausalLm p = Policies.scratch(TINY, demos, Device.cpu(), 3)) {
            p.save(dir.resolve("ref"), null);
            r = new DpoTrainer(p, CFG).fit(train, valid, a, false, null, List.of());
            straight = p.parameters().toHost();
        }
        // 80 pairs / 8 = 10 steps per epoch, 2 epochs.
        assertThat(r.steps()).isEqualTo(20);
        assertThat(r.referenceFromCache()).isFalse();
        assertThat(r.validAccuracy()).isGreaterThan(0.75);
        assertThat(Files.readAllLines(a.resolve(DpoTrainer.REFERENCE_FILE))).hasSize(96);
        List<String> types = new ArrayList<>();
        for (String l : Files.readAllLines(a.resolve("metrics.jsonl"))) types.add(Json.MAPPER.readTree(l).path("type").asText());
        assertThat(types.stream().filter("train"::equals).count()).isEqualTo(20);
        assertThat(types.stream().filter("eval"::equals).count()).isEqualTo(2);
        ObjectNode first = (ObjectNode) Json.MAPPER.readTree(Files.readAllLines(a.resolve("metrics.jsonl")).get(1));
        assertThat(first.has("accuracy") && first.has("margin") && first.has("chosen_reward")).isTrue();

        // The implicit reward read back through eval-rm's path orders the validation pairs as the trainer measured.
        try (CausalLm pol = CausalLm.load(a, Device.cpu()); CausalLm ref = CausalLm.load(dir.resolve("ref"), Device.cpu())) {
            List<PreferencePair> vp = new ArrayList<>();
            for (DpoPairs.Item i : valid) {
                vp.add(new PreferencePair(i.id(), List.of(Turn.user(i.prompt())), i.chosen(), i.rejected(),
                        Json.MAPPER.createObjectNode(), "t", 1));
            }
            float[][] s = ImplicitReward.score(pol, ref, vp, 0.5, 32, 64, 8);
            int right = 0;
            for (int i = 0; i < vp.size(); i++) if (s[0][i] > s[1][i]) right++;
            assertThat((double) right / vp.size()).isCloseTo(r.validAccuracy(), within(1e-9));
            float[][] zero = ImplicitReward.score(ref, ref, vp, 0.5, 32, 64, 8);
            assertThat(zero[0]).containsOnly(0f);
        }

        // Killed after step 13 (the checkpoint of step 10, the end of epoch 1, survives), then resumed from the cache.
        Path b = dir.resolve("b");
        try (CausalLm p = Policies.scratch(TINY, demos, Device.cpu(), 3)) {
            TrainListener kill = new TrainListener() {
                @Override
                public void onStep(StepStats s) {
                    if (s.step() == 13) throw new IllegalStateException("killed at step 13");
                }
            };
            assertThatThrownBy(() -> new DpoTrainer(p, CFG).fit(train, valid, b, false, null, List.of(kill)))
                    .hasMessageContaining("killed");
        }
        try (CausalLm p = CausalLm.load(b.resolve("resume"), Device.cpu())) {
            DpoTrainer.Result rr = new DpoTrainer(p, CFG).fit(train, valid, b, true, null, List.of());
            assertThat(rr.referenceFromCache()).isTrue();
            assertThat(rr.steps()).isEqualTo(20);
            Map<String, HostTensor> resumed = p.parameters().toHost();
            for (var e : straight.entrySet()) {
                assertThat(resumed.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data(), within(1e-5f));
            }
        }
        // A cache of other pairs is refused on resume.
        try (CausalLm p = CausalLm.load(b.resolve("resume"), Device.cpu())) {
            assertThatThrownBy(() -> new DpoTrainer(p, CFG).fit(pairs.subList(1, 81), valid, b, true, null, List.of()))
                    .hasMessageContaining("other pairs");
        }
    }
}
