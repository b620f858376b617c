package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Contrastive learning inside the trainer: it learns, logs both losses, keeps SwAV's prototypes, resumes exactly. */
class ContrastiveTrainingTest {
    static ContrastiveConfig simcse(String contrast) {
        return new ContrastiveConfig("simcse", contrast, 1.0, 0.05, 0.05, 20, 3, 0.05);
    }

    static ContrastiveConfig swav(String contrast) {
        return new ContrastiveConfig("swav", contrast, ContrastiveConfig.defaultBeta("swav", contrast), 0.1, 0.05,
                ContrastiveConfig.defaultK(contrast), 3, 0.05);
    }

    @Test
    @Tag("slow") // slow tier: a training run
    void simcseOnPairsLearnsAndLogsBothLosses(@TempDir Path out) throws Exception {
        TrainJob job = new TrainJob(TrainingTest.TINY, TrainingTest.config(0), new BradleyTerryLoss(), 1.0, out,
                Json.MAPPER.createObjectNode(), null, "cl").withContrastive(simcse("pairs"));
        TrainJob.Outcome o = job.run(TrainingTest.pairs(96, 1), TrainingTest.pairs(48, 2), false);
        o.model().close();
        assertThat(o.result().last().accuracy()).isGreaterThan(0.9);
        JsonNode step = Json.MAPPER.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"type\":\"train\"")).findFirst().orElseThrow());
        assertThat(step.path("reward_loss").asDouble()).isEqualTo(step.path("loss").asDouble());
        assertThat(step.path("contrastive_loss").asDouble()).isPositive();
    }

    @Test
    @Tag("slow") // slow tier: training, a kill and a resume
    void swavPrototypesAreSavedIgnoredByScoringAndRestoredOnResume(@TempDir Path tmp) {
        List<PreferencePair> train = TrainingTest.pairs(80, 5), valid = TrainingTest.pairs(40, 6);
        ObjectNode prov = Json.MAPPER.createObjectNode();
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        TrainJob.Outcome full = new TrainJob(TrainingTest.TINY, TrainingTest.config(4), new BradleyTerryLoss(), 1.0, a, prov,
                null, "a").withContrastive(swav("difference")).run(train, valid, false);
        float[] head, protos;
        try (RewardModel m = full.model()) {
            head = m.parameters().get(RewardModel.HEAD).toFloatArray();
            protos = m.parameters().get("swav.prototypes").toFloatArray();
            assertThat(protos).hasSize(20 * 32);
            for (int k = 0; k < 20; k++) { // unit rows after every step, as SwAV keeps them
                double n = 0;
                for (int j = 0; j < 32; j++) n += protos[k * 32 + j] * protos[k * 32 + j];
                assertThat(Math.sqrt(n)).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-4));
            }
        }
        assertThat(Safetensors.read(a.resolve("model.safetensors")).tensors()).containsKey("swav.prototypes");
        try (RewardModel scored = RewardModels.load(a, ai.djl.Device.cpu())) {
            assertThat(scored.auxiliary().asMap()).isEmpty();
        }
        TrainJob jobB = new TrainJob(TrainingTest.TINY, TrainingTest.config(4), new BradleyTerryLoss(), 1.0, b, prov, null, "b")
                .withContrastive(swav("difference"));
        assertThatThrownBy(() -> jobB.run(train, valid, false, List.of(new TrainingTest.Kill(14)))).hasMessageContaining("killed");
        TrainJob.Outcome resumed = jobB.run(train, valid, true);
        try (RewardModel m = resumed.model()) {
            float[] w = m.parameters().get(RewardModel.HEAD).toFloatArray();
            float[] p = m.parameters().get("swav.prototypes").toFloatArray();
            for (int i = 0; i < w.length; i++) assertThat((double) Math.abs(w[i] - head[i])).isLessThan(1e-4);
            for (int i = 0; i < p.length; i++) assertThat((double) Math.abs(p[i] - protos[i])).isLessThan(1e-4);
        }
    }

    @Test
    void topLayerTrainingUsesDropoutViewsOverTheCache() {
        TrainConfig top1 = TrainingTest.config(0).toBuilder().trainTopLayers(1).build();
        TrainJob.Outcome o = new TrainJob(TrainingTest.TINY, top1, new BradleyTerryLoss(), 1.0, null, null, null, "top")
                .withContrastive(simcse("pairs")).run(TrainingTest.pairs(96, 1), TrainingTest.pairs(48, 2), false);
        o.model().close();
        assertThat(o.result().last().accuracy()).isGreaterThan(0.9);
    }
}
