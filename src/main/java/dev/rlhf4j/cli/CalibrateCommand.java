package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.eval.TemperatureScaling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardNormalization;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.provenance.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j calibrate}: fits a reward temperature on held-out pairs and stores it in the checkpoint. */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Calibrate a reward model: fit one temperature T so that σ((r_c − r_r) / T) is the probability that "
                + "the chosen response is preferred, by minimising the log-loss on held-out pairs (exactly: the loss is "
                + "convex in 1/T), and store it in the checkpoint's config.json (\"calibration\", with the data's SHA-256; "
                + "provenance.json gets the command).",
                "From then on score, eval-rm and every library reader (RewardModels.load) get rewards divided by T; "
                        + "ranking and accuracy do not change. --uncalibrated on those commands reads raw rewards. A second "
                        + "calibrate replaces the first (it always fits on raw rewards).",
                "--normalize stores instead the mean and std of the raw rewards (chosen and rejected) over the pairs, under "
                        + "OpenRLHF's config.json names (normalize_reward, mean, std); score, serve and ppo then read "
                        + "(r − mean) / std, which replaces the temperature."})
public final class CalibrateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Reward-model checkpoint directory (its config.json is updated).")
    Path model;

    @Option(names = "--data", required = true, description = "Held-out pairs to fit on (not the training pairs).")
    Path data;

    @Option(names = "--out", description = "Also write the JSON report (fit, metrics before and after, reliability tables) "
            + "to this file (default: none; the fit is always in the checkpoint's config.json).")
    Path outFile;

    @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--normalize", defaultValue = "false",
            description = "Store a reward normalisation instead of a temperature: the mean and unbiased std of the raw rewards "
                    + "of every chosen and rejected response of --data (the reference set), as OpenRLHF measures them "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean normalize;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Mixin DataOptions dataOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
        if (pairs.isEmpty()) throw new IllegalArgumentException(data + ": no pairs to calibrate on");
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("data", data);
        inputs.put("model_weights", model.resolve(RewardModels.WEIGHTS));
        ObjectNode prov = Provenance.of("calibrate", spec.commandLine().getParseResult().originalArgs(), inputs, 0,
                Engines.info());
        ObjectNode source = source(data, pairs.size(), "all pairs of the file");
        ObjectNode report = normalize ? normalizeCheckpoint(model, pairs, source, prov, batchSize, device.get(), System.out)
                : calibrateCheckpoint(model, pairs, source, prov, batchSize, device.get(), System.out);
        report.set("provenance", prov);
        if (outFile != null) Json.write(outFile, report);
        return Main.OK;
    }

    /** Where a calibration's pairs came from: the file's path and SHA-256, how many pairs, which of them. */
    static ObjectNode source(Path file, int pairs, String which) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("path", file.toAbsolutePath().normalize().toString());
        o.put("sha256", Provenance.sha256(file));
        o.put("pairs", pairs);
        o.put("selection", which);
        return o;
    }

    /**
     * Scores {@code pairs} with the checkpoint in {@code dir} on the raw scale, fits T, writes it into the checkpoint and
     * prints the fit. Returns the report: the fit, the metrics before and after, and both reliability tables.
     */
    static ObjectNode calibrateCheckpoint(Path dir, List<PreferencePair> pairs, ObjectNode source, ObjectNode provenance,
                                          int batchSize, ai.djl.Device device, PrintStream out) {
        float[][] s = rawScores(dir, pairs, batchSize, device);
        TemperatureScaling.Calibrated c = TemperatureScaling.calibrate(s[0], s[1]);
        ObjectNode block = c.toBlock(source);
        RewardModels.writeCalibration(dir, block, provenance);
        out.println("calibrated " + dir + ": " + c.line());
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.set("calibration", block);
        report.set("before", c.before().toJson());
        report.set("after", c.after().toJson());
        double t = c.fit().temperature();
        report.set("reliability_before", dev.rlhf4j.eval.PairMetrics.reliabilityJson(s[0], s[1]));
        report.set("reliability_after", dev.rlhf4j.eval.PairMetrics.reliabilityJson(TemperatureScaling.scale(s[0], t),
                TemperatureScaling.scale(s[1], t)));
        return report;
    }

    /**
     * Scores {@code pairs} with the checkpoint in {@code dir} on the raw scale, measures the mean and std of all 2N rewards
     * and writes them into the checkpoint (OpenRLHF's keys; the source and provenance into provenance.json). Returns the
     * report: {@code normalization} with mean, std, how many rewards, and the data they came from.
     */
    static ObjectNode normalizeCheckpoint(Path dir, List<PreferencePair> pairs, ObjectNode source, ObjectNode provenance,
                                          int batchSize, ai.djl.Device device, PrintStream out) {
        float[][] s = rawScores(dir, pairs, batchSize, device);
        float[] all = new float[2 * s[0].length];
        System.arraycopy(s[0], 0, all, 0, s[0].length);
        System.arraycopy(s[1], 0, all, s[0].length, s[1].length);
        RewardNormalization n = RewardNormalization.of(all);
        ObjectNode block = Json.MAPPER.createObjectNode();
        block.put("mean", n.mean());
        block.put("std", n.std());
        block.put("rewards", all.length);
        if (source != null) block.set("data", source);
        ObjectNode prov = provenance == null ? Json.MAPPER.createObjectNode() : provenance.deepCopy();
        prov.set("reference", block);
        RewardModels.writeNormalization(dir, n, prov);
        out.printf(java.util.Locale.ROOT, "normalised %s: rewards (r - %.6g) / %.6g over %d rewards of %d pairs%n", dir,
                n.mean(), n.std(), all.length, pairs.size());
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.set("normalization", block);
        return report;
    }

    /** Both responses' rewards of every pair, from the checkpoint in {@code dir} on its raw scale. */
    private static float[][] rawScores(Path dir, List<PreferencePair> pairs, int batchSize, ai.djl.Device device) {
        try (RewardModel rm = RewardModels.load(dir, device, false)) {
            return PairScorer.score(rm, pairs, batchSize);
        }
    }
}
