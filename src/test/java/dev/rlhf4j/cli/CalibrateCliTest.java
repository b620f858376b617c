package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.provenance.Provenance;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * Calibration end to end on the tiny model: the labels of real pairs are drawn from the model's own rewards at a known
 * temperature, so the model is better than chance on them and the temperature it should get is known.
 */
class CalibrateCliTest {
    private static final int MAX_LENGTH = 48, PAIRS = 400;

    /** Writes pairs labelled by σ(Δ / t0) of the initial tiny-random model (train-rm's seed 42); returns t0. */
    private static double writeLabelledPairs(Path file) throws Exception {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().subList(0, PAIRS);
        float[][] s;
        try (RewardModel rm = RewardModels.pretrained(RewardModels.TINY_RANDOM, Engines.device("cpu"), Pooling.CLS, MAX_LENGTH, 42)) {
            s = PairScorer.score(rm, pairs, 64);
        }
        double sum = 0, sumSq = 0;
        for (int i = 0; i < PAIRS; i++) {
            double d = (double) s[0][i] - s[1][i];
            sum += d;
            sumSq += d * d;
        }
        double t0 = Math.sqrt(sumSq / PAIRS - (sum / PAIRS) * (sum / PAIRS)) / 2;
        Random rnd = new Random(1);
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            double d = (double) s[0][i] - s[1][i];
            boolean keep = rnd.nextDouble() < 1 / (1 + Math.exp(-d / t0));
            out.add((keep ? pairs.get(i) : pairs.get(i).swapped()).record());
        }
        Jsonl.write(file, out);
        return t0;
    }

    @Test
    @Tag("slow") // slow tier: train-rm, calibrate, eval-rm and score on real data
    void calibrateStoresTheTemperatureAndEveryReaderUsesIt(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("labelled.jsonl");
        double t0 = writeLabelledPairs(data);
        Path rm = dir.resolve("rm");
        try (RewardModel m = RewardModels.pretrained(RewardModels.TINY_RANDOM, Engines.device("cpu"), Pooling.CLS, MAX_LENGTH, 42)) {
            RewardModels.save(m, rm, null);
        }

        Path report = dir.resolve("calibration.json");
        CliTest.Run c = CliTest.run("calibrate", "--model", rm.toString(), "--data", data.toString(), "--out", report.toString());
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("temperature").contains("accuracy").contains("(unchanged)");
        JsonNode cal = Json.MAPPER.readTree(rm.resolve("config.json").toFile()).path("calibration");
        double t = cal.path("temperature").asDouble();
        assertThat(t).isCloseTo(t0, within(0.25 * t0));
        assertThat(cal.path("pairs").asInt()).isEqualTo(PAIRS);
        assertThat(cal.path("log_loss_after").asDouble()).isLessThanOrEqualTo(cal.path("log_loss_before").asDouble());
        assertThat(cal.path("data").path("sha256").asText()).isEqualTo(Provenance.sha256(data));
        JsonNode prov = Json.MAPPER.readTree(rm.resolve("provenance.json").toFile()).path("calibration");
        assertThat(prov.path("command").asText()).isEqualTo("calibrate");
        assertThat(prov.path("inputs").path("data").path("sha256").asText()).isEqualTo(Provenance.sha256(data));
        JsonNode rep = Json.MAPPER.readTree(report.toFile());
        assertThat(rep.withArray("reliability_before").size()).isEqualTo(10);
        assertThat(rep.path("after").path("accuracy").asDouble()).isEqualTo(rep.path("before").path("accuracy").asDouble());

        // The library reader: calibrated by default, raw on request, the calibration kept through a save.
        try (RewardModel m = RewardModels.load(rm, Engines.device("cpu"));
             RewardModel raw = RewardModels.load(rm, Engines.device("cpu"), false)) {
            assertThat(m.temperature()).isEqualTo(t);
            assertThat(raw.temperature()).isEqualTo(1);
            assertThat(raw.calibration().path("temperature").asDouble()).isEqualTo(t);
            List<PreferencePair> few = PreferenceDataset.load(data).pairs().subList(0, 5);
            float[][] a = PairScorer.score(m, few, 8), b = PairScorer.score(raw, few, 8);
            for (int i = 0; i < 5; i++) assertThat((double) a[0][i]).isCloseTo(b[0][i] / t, withinPercentage(1e-4));
            // The other way scores leave a model, over cached lower layers (the demo, strength), is calibrated too.
            float[][] cached = dev.rlhf4j.train.LowerLayerCache.forTopLayers(m, 1).scorePairs(m, few);
            for (int i = 0; i < 5; i++) assertThat((double) cached[1][i]).isCloseTo(a[1][i], withinPercentage(1e-3));
            RewardModels.save(raw, dir.resolve("copy"), null);
        }
        assertThat(Json.MAPPER.readTree(dir.resolve("copy/config.json").toFile()).path("calibration").path("temperature")
                .asDouble()).isEqualTo(t);

        // score writes calibrated rewards unless --uncalibrated.
        Path calOut = dir.resolve("cal.jsonl"), rawOut = dir.resolve("raw.jsonl");
        assertThat(CliTest.run("score", "--model", rm.toString(), "--data", data.toString(), "--out", calOut.toString()).code()).isZero();
        CliTest.Run u = CliTest.run("score", "--model", rm.toString(), "--data", data.toString(), "--out", rawOut.toString(),
                "--uncalibrated");
        assertThat(u.code()).as(u.err()).isZero();
        JsonNode c0 = Json.MAPPER.readTree(Files.readAllLines(calOut).get(0)), r0 = Json.MAPPER.readTree(Files.readAllLines(rawOut).get(0));
        assertThat(c0.path("chosen_reward").asDouble() * t).isCloseTo(r0.path("chosen_reward").asDouble(), withinPercentage(1e-4));

        // eval-rm: metrics on the calibrated scale, ECE and Brier before and after, the reliability table.
        Path evalJson = dir.resolve("eval.json");
        CliTest.Run e = CliTest.run("eval-rm", "--model", rm.toString(), "--data", data.toString(), "--out", evalJson.toString());
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("calibration T=").contains("calibrated rewards");
        JsonNode ev = Json.MAPPER.readTree(evalJson.toFile());
        CliTest.Run eu = CliTest.run("eval-rm", "--model", rm.toString(), "--data", data.toString(), "--json", "--uncalibrated");
        JsonNode evRaw = Json.MAPPER.readTree(eu.out());
        assertThat(ev.path("scale").asText()).isEqualTo("calibrated");
        assertThat(ev.path("accuracy").asDouble()).isEqualTo(evRaw.path("accuracy").asDouble());
        assertThat(ev.path("ece").asDouble()).isEqualTo(ev.path("calibration").path("after").path("ece").asDouble());
        assertThat(evRaw.path("ece").asDouble()).isEqualTo(ev.path("calibration").path("before").path("ece").asDouble());
        assertThat(ev.path("calibration").path("after").path("loss").asDouble())
                .isCloseTo(cal.path("log_loss_after").asDouble(), within(1e-5));
        assertThat(ev.withArray("reliability").size()).isEqualTo(10);
        assertThat(ev.path("calibration").path("before").withArray("reliability").size()).isEqualTo(10);
    }

    @Test
    @Tag("slow") // slow tier: a train-rm run on real data
    void trainRmCalibratesItsCheckpointOnTheValidationSide(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("labelled.jsonl");
        double t0 = writeLabelledPairs(data);
        Path out = dir.resolve("t");
        // A learning rate of 1e-12 leaves train-rm's model what it was initialised as: the model that drew the labels.
        CliTest.Run t = CliTest.run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", "tiny-random",
                "--max-length", String.valueOf(MAX_LENGTH), "--max-steps", "1", "--lr", "1e-12", "--valid-fraction", "0.5",
                "--calibrate-on-valid");
        assertThat(t.code()).as(t.err()).isZero();
        JsonNode cal = Json.MAPPER.readTree(out.resolve("config.json").toFile()).path("calibration");
        assertThat(cal.path("temperature").asDouble()).isCloseTo(t0, within(0.35 * t0));
        assertThat(cal.path("data").path("selection").asText()).contains("validation side");
        assertThat(cal.path("data").path("sha256").asText()).isEqualTo(Provenance.sha256(data));
        JsonNode summary = Json.MAPPER.readTree(out.resolve("train_summary.json").toFile());
        assertThat(summary.path("calibration").path("pairs").asInt()).isEqualTo(summary.path("valid_pairs").asInt());
        assertThat(Json.MAPPER.readTree(out.resolve("provenance.json").toFile()).path("calibration").path("command").asText())
                .contains("--calibrate-on-valid");

        CliTest.Run none = CliTest.run("train-rm", "--data", data.toString(), "--out", dir.resolve("n").toString(),
                "--backbone", "tiny-random", "--valid-fraction", "0", "--calibrate-on-valid");
        assertThat(none.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(none.err()).contains("--calibrate-on-valid needs validation pairs");
    }

    @Test
    void aBadCalibrationIsRefusedWithItsFile(@TempDir Path dir) throws Exception {
        Path rm = dir.resolve("rm");
        try (RewardModel m = RewardModels.pretrained(RewardModels.TINY_RANDOM, Engines.device("cpu"), Pooling.CLS, MAX_LENGTH, 42)) {
            RewardModels.save(m, rm, null);
        }
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(rm.resolve("config.json").toFile());
        cfg.putObject("calibration").put("temperature", -2);
        Files.write(rm.resolve("config.json"), Json.MAPPER.writeValueAsBytes(cfg));
        assertThatThrownBy(() -> RewardModels.load(rm, Engines.device("cpu")))
                .hasMessageContaining("config.json").hasMessageContaining("temperature");

        // One pair the model orders right: no finite temperature; the command says so and exits 2.
        try (RewardModel m = RewardModels.pretrained(RewardModels.TINY_RANDOM, Engines.device("cpu"), Pooling.CLS, MAX_LENGTH, 42)) {
            RewardModels.save(m, rm, null);
            PreferencePair p = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl")).pairs().get(0);
            float[][] s = PairScorer.score(m, List.of(p), 8);
            Jsonl.write(dir.resolve("one.jsonl"), List.of((s[0][0] > s[1][0] ? p : p.swapped()).record()));
        }
        CliTest.Run r = CliTest.run("calibrate", "--model", rm.toString(), "--data", dir.resolve("one.jsonl").toString());
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).contains("no minimum at a positive temperature");
    }

    @Test
    void dataSplitWritesTrainRmsSplit(@TempDir Path dir) throws Exception {
        Path data = SharedFiles.get("data/pandalm/pairs.jsonl");
        CliTest.Run r = CliTest.run("data", "split", "--data", data.toString(), "--out", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<PreferencePair> all = PreferenceDataset.load(data).pairs();
        var split = dev.rlhf4j.data.Split.byHash(all, 0.2);
        assertThat(Files.readAllLines(dir.resolve("valid.jsonl"))).hasSize(split.valid().size());
        assertThat(Files.readAllLines(dir.resolve("train.jsonl"))).hasSize(split.train().size());
        assertThat(PreferenceDataset.load(dir.resolve("valid.jsonl")).pairs().get(0).record())
                .isEqualTo(split.valid().get(0).record());
        assertThat(Json.MAPPER.readTree(dir.resolve("split.json").toFile()).path("valid_pairs").asInt()).isEqualTo(split.valid().size());
    }
}
