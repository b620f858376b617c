package dev.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code train-rm --normalize-on-valid --center-rewards}: the saved checkpoint's normalisation is its validation rewards' mean and std. */
class NormalizeOnValidCliTest {
    @Test
    void trainRmStoresTheValidationRewardsMeanAndStd(@TempDir Path dir) throws Exception {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, 120);
        Path data = dir.resolve("pairs.jsonl"), out = dir.resolve("rm");
        Jsonl.write(data, pairs.stream().map(PreferencePair::record).toList());
        CliTest.Run t = CliTest.run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", "tiny-random",
                "--max-length", "48", "--max-steps", "2", "--valid-fraction", "0.5", "--normalize-on-valid",
                "--center-rewards", "0.01");
        assertThat(t.code()).as(t.err()).isZero();
        JsonNode cfg = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        assertThat(cfg.path("normalize_reward").asBoolean()).isTrue();
        JsonNode summary = Json.MAPPER.readTree(out.resolve("train_summary.json").toFile());
        assertThat(summary.path("center_rewards").asDouble()).isEqualTo(0.01);
        assertThat(summary.path("normalization").path("mean").asDouble()).isEqualTo(cfg.path("mean").asDouble());

        List<PreferencePair> valid = Split.byHash(PreferenceDataset.load(data).pairs(), 0.5).valid();
        float[][] raw, normed;
        try (RewardModel m = RewardModels.load(out, Device.cpu(), false)) {
            raw = PairScorer.score(m, valid, 16);
        }
        try (RewardModel m = RewardModels.load(out, Device.cpu())) {
            normed = PairScorer.score(m, valid, 16);
        }
        double[] ms = meanStd(raw);
        assertThat(cfg.path("mean").asDouble()).isCloseTo(ms[0], within(1e-6));
        assertThat(cfg.path("std").asDouble()).isCloseTo(ms[1], within(1e-6));
        double[] n = meanStd(normed);
        assertThat(n[0]).isCloseTo(0, within(1e-4));
        assertThat(n[1]).isCloseTo(1, within(1e-4));
    }

    /** Mean and unbiased std of every chosen and rejected reward. */
    static double[] meanStd(float[][] s) {
        int n = 0;
        double sum = 0;
        for (float[] side : s) for (float v : side) { sum += v; n++; }
        double mean = sum / n, ss = 0;
        for (float[] side : s) for (float v : side) ss += (v - mean) * (v - mean);
        return new double[] {mean, Math.sqrt(ss / (n - 1))};
    }
}
