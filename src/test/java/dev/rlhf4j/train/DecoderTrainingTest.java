package dev.rlhf4j.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.Decoder;
import dev.rlhf4j.model.decoder.ScratchDecoder;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Reward models on decoder backbones go through the same trainer, cache and checkpoints as encoders. */
class DecoderTrainingTest {
    static ModelSpec stories(int maxLength) {
        return new ModelSpec(SharedFiles.get("models/stories260K/stories260K.bin").toString(), null, maxLength, Device.cpu());
    }

    @Test
    void aDecoderBackboneReadsTheLastTokenAndItsLayoutIsBosDialogueEos() {
        ModelSpec spec = stories(48);
        assertThat(spec.decoder()).isTrue();
        assertThat(spec.effectivePooling()).isEqualTo(Pooling.LAST);
        try (RewardModel m = spec.create(1)) {
            assertThat(m.backbone()).isInstanceOf(Decoder.class);
            EncodedSequence s = m.encoder().encodePairs(TrainingTest.pairs(1, 3)).get(0).chosen();
            assertThat(s.ids()[0]).isEqualTo(1);
            assertThat(s.ids()[s.length() - 1]).isEqualTo(2);
            assertThat(m.encoder().tokenizer().decode(s.ids())).startsWith("Human: question number").contains("\n\nAssistant: the answer is");
        }
    }

    @Test
    @Tag("slow") // slow tier: a real model (stories260K) through both paths
    void cachedLowerLayersGiveTheFullForwardPassesRewards() {
        try (RewardModel m = stories(48).create(3); NDScope scope = new NDScope()) {
            List<EncodedSequence> seqs = new ArrayList<>();
            for (var p : m.encoder().encodePairs(TrainingTest.pairs(6, 8))) {
                seqs.add(p.chosen());
                seqs.add(p.rejected());
            }
            TokenBatch batch = TokenBatch.of(seqs, m.encoder().padId());
            float[] full = m.rewards(batch, false).toFloatArray();
            for (int from = 0; from <= m.backbone().numLayers(); from++) {
                LowerLayerCache cache = LowerLayerCache.of(m, from, 1).ensure(m, seqs);
                float[] cached = m.rewardsAbove(cache.batch(m.manager(), seqs, batch.cols()), batch, from, false).toFloatArray();
                for (int i = 0; i < full.length; i++) {
                    assertThat((double) Math.abs(full[i] - cached[i])).as("row %d from layer %d", i, from).isLessThan(1e-4);
                }
            }
        }
    }

    @Test
    @Tag("slow") // slow tier: trains a real model end to end
    void trainsItsTopLayersSavesAndReloadsWithIdenticalScores(@TempDir Path dir) {
        List<PreferencePair> train = TrainingTest.pairs(96, 1), valid = TrainingTest.pairs(48, 2);
        ModelSpec spec = stories(48);
        Map<String, float[]> init = new HashMap<>();
        try (RewardModel before = spec.create(7)) {
            before.parameters().asMap().forEach((k, v) -> init.put(k, v.toFloatArray()));
        }
        TrainConfig top2 = TrainingTest.config(0).toBuilder().trainTopLayers(2).build();
        TrainJob.Outcome o = new TrainJob(spec, top2, new BradleyTerryLoss(), 1.0, null, null, null, "top").run(train, valid, false);
        try (RewardModel m = o.model()) {
            assertThat(o.result().last().accuracy()).isGreaterThan(0.9);
            for (Map.Entry<String, NDArray> e : m.parameters().asMap().entrySet()) {
                String n = e.getKey();
                boolean trains = n.startsWith("model.layers.3.") || n.startsWith("model.layers.4.") || n.equals("model.norm.weight")
                        || n.equals(RewardModel.HEAD);
                assertThat(Arrays.equals(init.get(n), e.getValue().toFloatArray())).as("parameter %s unchanged", n).isEqualTo(!trains);
            }
            RewardModels.save(m, dir, null);
            List<EncodedSequence> seqs = new ArrayList<>();
            for (var p : m.encoder().encodePairs(valid)) seqs.add(p.chosen());
            try (RewardModel again = RewardModels.load(dir, Device.cpu())) {
                assertThat(again.score(seqs, 16)).containsExactly(m.score(seqs, 16));
            }
        }
    }

    @Test
    @Tag("slow") // slow tier: a training run
    void aScratchDecoderOfTheGivenShapeLearns() {
        ScratchDecoder shape = new ScratchDecoder(2, 32, 4, 2, 0, SharedFiles.get("models/stories260K/tok512.bin").toString());
        ModelSpec spec = new ModelSpec("unused", null, 48, Device.cpu(), shape);
        assertThat(spec.effectivePooling()).isEqualTo(Pooling.LAST);
        try (RewardModel m = spec.create(1)) {
            Decoder d = (Decoder) m.backbone();
            assertThat(d.config().vocabSize()).isEqualTo(512);
            assertThat(d.config().numKvHeads()).isEqualTo(2);
            assertThat(d.config().intermediateSize()).isEqualTo(96); // 2/3 of 4·32 = 85, rounded up to 96
        }
        TrainJob.Outcome o = new TrainJob(spec, TrainingTest.config(0), new BradleyTerryLoss(), 1.0, null, null, null, "scratch")
                .run(TrainingTest.pairs(96, 1), TrainingTest.pairs(48, 2), false);
        try (RewardModel m = o.model()) {
            assertThat(o.result().last().accuracy()).isGreaterThan(0.9);
        }
    }
}
