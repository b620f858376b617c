package dev.rlhf4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trainer end to end on a tiny random BERT: it learns, saves exactly, and resumes exactly. */
class TrainingTest {
    static final ModelSpec TINY = new ModelSpec(RewardModels.TINY_RANDOM, Pooling.CLS, 32, Device.cpu());
    static final String[] GOOD = {"great", "helpful", "correct", "kind", "clear", "thanks"};
    static final String[] BAD = {"awful", "useless", "wrong", "rude", "confusing", "whatever"};

    /** Pairs where the chosen answer carries a "good" word and the rejected one a "bad" word. */
    static List<PreferencePair> pairs(int n, long seed) {
        Random rnd = new Random(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = "question number " + rnd.nextInt(100);
            String c = "the answer is " + GOOD[rnd.nextInt(GOOD.length)];
            String r = "the answer is " + BAD[rnd.nextInt(BAD.length)];
            ObjectNode rec = Json.MAPPER.createObjectNode();
            rec.put("prompt", prompt);
            rec.put("chosen", c);
            rec.put("rejected", r);
            out.add(new PreferencePair("p" + i, List.of(Turn.user(prompt)), c, r, rec, "mem", i + 1));
        }
        return out;
    }

    static TrainConfig config(int evalEvery) {
        return TrainConfig.builder().epochs(2).batchPairs(8).lr(3e-3).seed(7).evalEvery(evalEvery).dropout(0.0).build();
    }

    @Test
    @Tag("slow") // slow tier: a training run to convergence
    void learnsTheTaskAndChangesEveryParameter() {
        List<PreferencePair> train = pairs(96, 1), valid = pairs(48, 2);
        RewardModel before = TINY.create(7);
        Map<String, float[]> init = new java.util.HashMap<>();
        before.parameters().asMap().forEach((k, v) -> init.put(k, v.toFloatArray()));
        before.close();
        float[][] s0;
        try (RewardModel fresh = TINY.create(7)) {
            s0 = PairScorer.score(fresh, valid, 32);
        }
        TrainJob job = new TrainJob(TINY, config(0), new BradleyTerryLoss(), 1.0, null, null, null, "test");
        TrainJob.Outcome o = job.run(train, valid, false);
        try (RewardModel m = o.model()) {
            assertThat(PairMetrics.of(s0[0], s0[1]).accuracy()).isLessThan(0.8);
            assertThat(o.result().last().accuracy()).isGreaterThan(0.95);
            for (Map.Entry<String, NDArray> e : m.parameters().asMap().entrySet()) {
                // The last LayerNorm's bias shifts every reward by the same amount, which a pairwise loss
                // cannot see: its gradient is exactly zero.
                if (e.getKey().equals("encoder.layer.1.output.LayerNorm.bias")) continue;
                assertThat(java.util.Arrays.equals(init.get(e.getKey()), e.getValue().toFloatArray()))
                        .as("parameter %s changed", e.getKey()).isFalse();
            }
        }
    }

    @Test
    void cachedLowerLayersGiveTheFullForwardPassesRewards() {
        List<PreferencePair> ps = pairs(12, 8);
        try (RewardModel m = TINY.create(3); ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            var seqs = new ArrayList<dev.rlhf4j.text.EncodedSequence>();
            for (var p : m.encoder().encodePairs(ps)) {
                seqs.add(p.chosen());
                seqs.add(p.rejected());
            }
            int pad = m.encoder().tokenizer().padId();
            for (int from = 0; from <= m.backbone().numLayers(); from++) {
                // Cached one by one (no padding), read back in one padded batch.
                LowerLayerCache cache = LowerLayerCache.of(m, from, 1).ensure(m, seqs);
                var batch = dev.rlhf4j.text.TokenBatch.of(seqs, pad);
                float[] full = m.rewards(batch, false).toFloatArray();
                float[] cached = m.rewardsAbove(cache.batch(m.manager(), seqs, batch.cols()), batch, from, false).toFloatArray();
                for (int i = 0; i < full.length; i++) {
                    assertThat((double) Math.abs(full[i] - cached[i])).as("row %d from layer %d", i, from).isLessThan(1e-4);
                }
            }
        }
    }

    @Test
    void aCacheServesOnlyModelsWithItsLowerLayers() {
        try (RewardModel a = TINY.create(3); RewardModel b = TINY.create(3); RewardModel c = TINY.create(4)) {
            LowerLayerCache cache = LowerLayerCache.forTopLayers(a, 1);
            assertThat(cache.matches(b)).isTrue();
            assertThat(cache.matches(c)).isFalse(); // random lower layers of another seed
            assertThatThrownBy(() -> cache.scorePairs(c, pairs(2, 1))).hasMessageContaining("differ from those");
        }
    }

    @Test
    void trainingTheTopLayerLeavesTheLowerOnesUntouchedAndLearns() {
        List<PreferencePair> train = pairs(96, 1), valid = pairs(48, 2);
        Map<String, float[]> init = new java.util.HashMap<>();
        try (RewardModel before = TINY.create(7)) {
            before.parameters().asMap().forEach((k, v) -> init.put(k, v.toFloatArray()));
        }
        TrainConfig top1 = config(0).toBuilder().trainTopLayers(1).build();
        TrainJob.Outcome o = new TrainJob(TINY, top1, new BradleyTerryLoss(), 1.0, null, null, null, "top").run(train, valid, false);
        try (RewardModel m = o.model()) {
            assertThat(o.result().last().accuracy()).isGreaterThan(0.9);
            for (Map.Entry<String, NDArray> e : m.parameters().asMap().entrySet()) {
                boolean trains = e.getKey().startsWith("encoder.layer.1.") || e.getKey().equals(RewardModel.HEAD);
                if (e.getKey().equals("encoder.layer.1.output.LayerNorm.bias")) continue; // zero gradient, see above
                assertThat(java.util.Arrays.equals(init.get(e.getKey()), e.getValue().toFloatArray()))
                        .as("parameter %s unchanged", e.getKey()).isEqualTo(!trains);
            }
        }
        assertThatThrownBy(() -> new TrainJob(TINY, config(0).toBuilder().trainTopLayers(3).build(), new BradleyTerryLoss(), 1.0, null, null,
                null, "t").run(train, List.of(), false)).hasMessageContaining("exceeds the backbone's 2 layers");
    }

    @Test
    void savedModelReloadsWithIdenticalScores(@TempDir Path dir) {
        List<PreferencePair> train = pairs(32, 3), valid = pairs(20, 4);
        TrainJob.Outcome o = new TrainJob(TINY, config(0), new BradleyTerryLoss(), 1.0, null, null, null, "t").run(train, List.of(), false);
        float[][] before;
        try (RewardModel m = o.model()) {
            before = PairScorer.score(m, valid, 8);
            RewardModels.save(m, dir, Json.MAPPER.createObjectNode().put("test", true));
        }
        assertThat(dir.resolve("model.safetensors")).exists();
        assertThat(dev.rlhf4j.data.Json.read(dir.resolve("config.json")).path("num_labels").asInt()).isEqualTo(1);
        try (RewardModel loaded = RewardModels.load(dir, Device.cpu())) {
            float[][] after = PairScorer.score(loaded, valid, 5); // other batching, same numbers
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < valid.size(); i++) {
                    assertThat((double) Math.abs(after[k][i] - before[k][i])).isLessThan(1e-5);
                }
            }
        }
    }

    /** Simulates a kill: throws after the given optimizer step. */
    static final class Kill implements TrainListener {
        final long at;

        Kill(long at) {
            this.at = at;
        }

        @Override
        public void onStep(StepStats s) {
            if (s.step() == at) throw new IllegalStateException("killed at step " + at);
        }
    }

    @Test
    @Tag("slow") // slow tier: training, a kill and a resume
    void resumeAfterAKillEndsWhereTheUninterruptedRunEnds(@TempDir Path tmp) {
        List<PreferencePair> train = pairs(80, 5), valid = pairs(40, 6);
        ObjectNode prov = Json.MAPPER.createObjectNode();
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        TrainJob.Outcome full = new TrainJob(TINY, config(4), new BradleyTerryLoss(), 1.0, a, prov, null, "a")
                .run(train, valid, false);
        float[] wFull;
        try (RewardModel m = full.model()) {
            wFull = m.parameters().get(RewardModel.HEAD).toFloatArray();
        }
        TrainJob jobB = new TrainJob(TINY, config(4), new BradleyTerryLoss(), 1.0, b, prov, null, "b");
        assertThatThrownBy(() -> jobB.run(train, valid, false, List.of(new Kill(14)))).hasMessageContaining("killed");
        TrainJob.Outcome resumed = jobB.run(train, valid, true);
        try (RewardModel m = resumed.model()) {
            assertThat(resumed.result().state().optimizerSteps()).isEqualTo(full.result().state().optimizerSteps());
            float[] w = m.parameters().get(RewardModel.HEAD).toFloatArray();
            for (int i = 0; i < w.length; i++) assertThat((double) Math.abs(w[i] - wFull[i])).isLessThan(1e-4);
            assertThat(Math.abs(resumed.result().last().accuracy() - full.result().last().accuracy())).isLessThanOrEqualTo(0.005);
        }
        assertThat(b.resolve("metrics.jsonl")).content().contains("\"type\":\"resume\"");
    }

    @Test
    void marginLossWithoutMarginsNamesTheRecord() {
        TrainJob job = new TrainJob(TINY, config(0), new dev.rlhf4j.train.loss.MarginLoss(), 1.0, null, null, null, "t");
        assertThatThrownBy(() -> job.run(pairs(8, 1), List.of(), false)).hasMessageContaining("mem:1")
                .hasMessageContaining("margin");
    }

    @Test
    void aHuggingFaceStyleDirectoryServesAsBackbone(@TempDir Path dir) {
        float[] head;
        try (RewardModel m = TINY.create(11)) {
            RewardModels.save(m, dir, null);
            head = m.parameters().get("encoder.layer.0.attention.self.query.weight").toFloatArray();
        }
        // config.json + model.safetensors + tokenizer.json: the backbone loads strictly, the old head is ignored.
        try (RewardModel b = RewardModels.pretrained(dir.toString(), Device.cpu(), Pooling.MEAN, 32, 5)) {
            assertThat(b.parameters().get("encoder.layer.0.attention.self.query.weight").toFloatArray()).isEqualTo(head);
            assertThat(b.pooling()).isEqualTo(Pooling.MEAN);
        }
        assertThatThrownBy(() -> RewardModels.pretrained(dir.resolve("nope").toString(), Device.cpu(), Pooling.CLS, 32, 1))
                .hasMessageContaining("neither a preset");
    }

    /** Bradley–Terry whose first call has a finite value but a NaN gradient (d√x at 0 times 0), like the CPU glitch. */
    static final class GlitchOnce implements dev.rlhf4j.train.loss.PairwiseLoss {
        final BradleyTerryLoss bt = new BradleyTerryLoss();
        int calls;

        @Override
        public NDArray perPair(NDArray chosen, NDArray rejected, dev.rlhf4j.train.loss.PairTargets t) {
            NDArray l = bt.perPair(chosen, rejected, t);
            return calls++ == 0 ? l.add(chosen.sub(chosen).sqrt().mul(0f)) : l;
        }

        @Override
        public String name() {
            return "glitch";
        }
    }

    @Test
    void aStepWithANonFiniteGradientIsRecomputedNotLost() {
        List<PreferencePair> train = pairs(40, 8);
        TrainJob.Outcome clean = new TrainJob(TINY, config(0), new BradleyTerryLoss(), 1.0, null, null, null, "c")
                .run(train, List.of(), false);
        TrainJob.Outcome glitch = new TrainJob(TINY, config(0), new GlitchOnce(), 1.0, null, null, null, "g")
                .run(train, List.of(), false);
        try (RewardModel a = clean.model(); RewardModel b = glitch.model()) {
            assertThat(glitch.result().state().skippedSteps()).isZero();
            assertThat(b.parameters().get(RewardModel.HEAD).toFloatArray())
                    .isEqualTo(a.parameters().get(RewardModel.HEAD).toFloatArray());
        }
    }
}
