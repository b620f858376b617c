package dev.rlhf4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.EvalReport;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.PairedDifference;
import dev.rlhf4j.eval.TemperatureScaling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.strength.Denoiser;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.strength.StrengthScheme;
import dev.rlhf4j.strength.StrengthSummary;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import dev.rlhf4j.train.LowerLayerCache;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import dev.rlhf4j.train.loss.MarginLoss;
import dev.rlhf4j.train.loss.PairwiseLoss;
import dev.rlhf4j.train.loss.SmoothMarginLoss;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The main job: on the controlled task, measure preference strength, denoise, and compare the
 * baseline reward model with the paper's four denoising methods against the known gold reward.
 *
 * <pre>
 * synth (train: noisy, valid: noisy, test: clean)
 *   → strength (M members, paper's scheme) → strength.jsonl, strength.json
 *   → denoise (flip μ̂ &lt; threshold; margins; smoothing on μ̂ &lt; 0)
 *   → train baseline, Flip, Margin, Flip + Margin, Soft Label + Margin
 *   → evaluate each on the clean test set (gold) and the noisy validation set → summary.json, summary.txt
 *   (each model's training curve → metrics/NAME.jsonl)
 * </pre>
 */
public final class DemoPipeline {
    /** One reward-model variant of the comparison: which data (flipped or not), which loss, which contrastive objective (or none). */
    record Variant(String name, boolean flipped, PairwiseLoss loss, ContrastiveConfig contrastive) {
        Variant(String name, boolean flipped, PairwiseLoss loss) {
            this(name, flipped, loss, null);
        }
    }

    /** The paper's contrastive set-ups with its defaults (β, K), SimCSE τ as train-rm's default. */
    static ContrastiveConfig contrastive(String method, String contrast) {
        return new ContrastiveConfig(method, contrast, ContrastiveConfig.defaultBeta(method, contrast), 0.05, 0.05,
                ContrastiveConfig.defaultK(contrast), 3, 0.05);
    }

    private DemoPipeline() {}

    public static ObjectNode run(DemoConfig c, Path out, ObjectNode provenance, PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(out);
        // 1. The task: different seeds so the three sets are independent draws.
        List<PreferencePair> train = SyntheticTask.generate(new SynthConfig(c.trainPairs(), c.flipRate(),
                SynthConfig.DEFAULT_TEMPERATURE, c.seed(), List.of()));
        List<PreferencePair> valid = SyntheticTask.generate(new SynthConfig(c.validPairs(), c.flipRate(),
                SynthConfig.DEFAULT_TEMPERATURE, c.seed() + 2000, List.of()));
        List<PreferencePair> test = SyntheticTask.generate(SynthConfig.cleanTest(c.testPairs(), c.seed() + 1000));
        SyntheticTask.write(train, out.resolve("train.jsonl"));
        SyntheticTask.write(valid, out.resolve("valid.jsonl"));
        SyntheticTask.write(test, out.resolve("test.jsonl"));
        ObjectNode validSource = Json.MAPPER.createObjectNode();
        validSource.put("path", out.resolve("valid.jsonl").toAbsolutePath().normalize().toString());
        validSource.put("sha256", dev.rlhf4j.provenance.Provenance.sha256(out.resolve("valid.jsonl")));
        validSource.put("pairs", valid.size());
        validSource.put("selection", "the demo's noisy validation pairs");
        log.printf("[1/4] controlled task: %d noisy train pairs (%.0f%% flipped), %d noisy validation, %d clean test -> %s%n",
                train.size(), 100 * c.flipRate(), valid.size(), test.size(), out);

        // 2. Preference strength with the paper's scheme.
        log.printf("[2/4] preference strength: %d members%n", c.members());
        // Member 0 trains with Bradley–Terry on the given labels and seed c.seed(): exactly the baseline
        // reward model, so it is evaluated as the baseline instead of being trained twice.
        Scored[] baseline = new Scored[1];
        // With top-layer training, every model of the run shares one cache of the frozen lower layers: the
        // denoised sets hold the same texts as the training set (flipping only swaps chosen and rejected).
        LowerLayerCache lower = c.train().trainTopLayers() > 0 ? lowerLayerCache(c) : null;
        StrengthEstimator.Result strength = StrengthEstimator.estimate(train,
                new StrengthEstimator.Config(c.members(), StrengthScheme.ORDER, c.seed()), c.model(), c.train(),
                new BradleyTerryLoss(), log, (k, model) -> {
                    if (k == 0) {
                        baseline[0] = evaluate("baseline", "bt", "train.jsonl", model, test, valid, lower, null, validSource);
                        RewardModels.save(model, out.resolve("baseline-rm"), provenance);
                    }
                }, lower, k -> k == 0 ? curve(out, "baseline") : List.of());
        Jsonl.write(out.resolve("strength.jsonl"), strength.records());
        boolean[] flipped = new boolean[train.size()];
        for (int i = 0; i < train.size(); i++) flipped[i] = train.get(i).record().path("flipped").asBoolean();
        boolean[] agrees = agreesWithGold(train);
        ObjectNode strengthSummary = StrengthSummary.of(strength.means(), strength.stds(), flipped, agrees);
        strengthSummary.put("wall_seconds", strength.wallSeconds());
        Json.write(out.resolve("strength.json"), strengthSummary);
        StrengthSummary.print(strengthSummary, log);

        // 3. Denoised training sets: the strength file read back, so what the demo trains on is what a user gets.
        List<PreferencePair> withStrength = PreferenceDataset.load(out.resolve("strength.jsonl"), "pairs", false).pairs();
        Denoiser keep = new Denoiser(0, Double.NaN, Double.NaN, Double.NaN, c.marginScale(), false, 4.0, c.smoothing());
        Denoiser flip = new Denoiser(0, c.flipBelow(), Double.NaN, Double.NaN, c.marginScale(), false, 4.0, c.smoothing());
        Denoiser.Outcome kept = keep.apply(withStrength);
        Denoiser.Outcome flippedSet = flip.apply(withStrength);
        Jsonl.write(out.resolve("denoised-margin.jsonl"), kept.records());
        Jsonl.write(out.resolve("denoised-flip.jsonl"), flippedSet.records());
        int truePos = 0;
        for (PreferencePair p : flippedSet.pairs()) {
            if (p.record().path("denoise_flipped").asBoolean() && p.record().path("flipped").asBoolean()) truePos++;
        }
        // What denoising did to the labels, against the truth: the share of training labels that agree with gold.
        double agreeGiven = share(agrees), agreeFlipped = share(agreesWithGold(flippedSet.pairs()));
        log.printf("[3/4] denoising flipped %d pairs with μ̂ < %.2f (%d of them had been flipped on purpose); "
                        + "training labels agreeing with gold: %.1f%% given, %.1f%% after flipping%n",
                flippedSet.flipped(), c.flipBelow(), truePos, 100 * agreeGiven, 100 * agreeFlipped);

        // 4. The five reward models, each evaluated on the clean test set and the noisy validation set.
        List<Variant> variants = new java.util.ArrayList<>(List.of(
                new Variant("flip", true, new BradleyTerryLoss()),
                new Variant("margin", false, new MarginLoss()),
                new Variant("flip+margin", true, new MarginLoss()),
                new Variant("soft-label+margin", false, new SmoothMarginLoss((float) c.smoothing()))));
        if (c.contrastive()) {
            // The paper's four contrastive set-ups on the given labels, and SimCSE on pairs (its best) with Flip + Margin.
            for (String m : List.of("simcse", "swav")) {
                for (String k : List.of("pairs", "difference")) {
                    variants.add(new Variant(m + "-" + k, false, new BradleyTerryLoss(), contrastive(m, k)));
                }
            }
            variants.add(new Variant("flip+margin+simcse", true, new MarginLoss(), contrastive("simcse", "pairs")));
        }
        ObjectNode summary = Json.MAPPER.createObjectNode();
        summary.set("config", Json.MAPPER.valueToTree(Map.of("train_pairs", c.trainPairs(), "test_pairs", c.testPairs(),
                "valid_pairs", c.validPairs(), "flip_rate", c.flipRate(), "members", c.members(), "flip_below", c.flipBelow(),
                "margin_scale", c.marginScale(), "smoothing", c.smoothing(), "seed", c.seed(), "backbone", c.model().backbone())));
        ((ObjectNode) summary.get("config")).put("contrastive", c.contrastive());
        summary.set("train", c.train().toJson());
        summary.set("strength", strengthSummary);
        summary.put("denoise_flipped", flippedSet.flipped());
        summary.put("denoise_flipped_correctly", truePos);
        summary.put("label_gold_agreement_given", agreeGiven);
        summary.put("label_gold_agreement_flipped", agreeFlipped);
        ArrayNode rows = summary.putArray("variants");
        baseline[0].row().put("train_seconds", strength.members().get(0).trainSeconds());
        rows.add(baseline[0].row());
        int v = 0;
        for (Variant variant : variants) {
            v++;
            List<PreferencePair> data = (variant.flipped() ? flippedSet : kept).pairs();
            log.printf("[4/4] reward model %d/%d: %s%n", v + 1, variants.size() + 1, variant.name());
            TrainJob job = new TrainJob(c.model(), c.train(), variant.loss(), 1.0, null, null, log, variant.name(), lower)
                    .withContrastive(variant.contrastive());
            TrainJob.Outcome o = job.run(data, List.of(), false, curve(out, variant.name()));
            try (RewardModel model = o.model()) {
                ObjectNode row = evaluate(variant.name(), variant.loss().name(),
                        variant.flipped() ? "denoised-flip.jsonl" : "denoised-margin.jsonl", model, test, valid, lower,
                        baseline[0].test(), validSource).row();
                row.put("train_seconds", o.result().state().elapsedSeconds());
                rows.add(row);
                if (variant.name().equals("flip+margin")) RewardModels.save(model, out.resolve("flip-margin-rm"), provenance);
            }
        }
        summary.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        summary.set("provenance", provenance);
        Json.write(out.resolve("summary.json"), summary);
        String table = table(summary);
        Files.writeString(out.resolve("summary.txt"), table);
        return summary;
    }

    /**
     * The contrastive variants of an experiment (names {@code simcse-pairs}, {@code swav-difference}, …: method and
     * representation) trained as the baseline of the demo run in {@code rms} is: its noisy training pairs, Bradley–Terry
     * loss, model and settings, seed; each evaluated as the demo evaluates its variants (clean test pairs, noisy
     * validation pairs, calibrated on the validation pairs) and saved into {@code dir/VARIANT} with its row
     * ({@code row.json}, written last, with {@code given_loss_valid}: the BT loss on the validation pairs' given labels).
     * A variant whose row exists is skipped, so an interrupted stage resumes.
     */
    public static void contrastiveModels(DemoConfig c, Path rms, Path dir, List<String> variants, ObjectNode provenance, PrintStream log)
            throws IOException {
        List<PreferencePair> train = PreferenceDataset.load(rms.resolve("train.jsonl")).pairs();
        List<PreferencePair> valid = PreferenceDataset.load(rms.resolve("valid.jsonl")).pairs();
        List<PreferencePair> test = PreferenceDataset.load(rms.resolve("test.jsonl")).pairs();
        ObjectNode validSource = Json.MAPPER.createObjectNode();
        validSource.put("path", rms.resolve("valid.jsonl").toAbsolutePath().normalize().toString());
        validSource.put("sha256", dev.rlhf4j.provenance.Provenance.sha256(rms.resolve("valid.jsonl")));
        validSource.put("pairs", valid.size());
        validSource.put("selection", "the demo's noisy validation pairs");
        LowerLayerCache lower = null;
        int k = 0;
        for (String v : variants) {
            k++;
            Path vd = dir.resolve(v);
            if (Files.isRegularFile(vd.resolve("row.json"))) continue;
            String[] mc = v.split("-", 2);
            if (mc.length != 2) throw new IllegalArgumentException("contrastive variant " + v + ": expected METHOD-REPRESENTATION");
            if (lower == null && c.train().trainTopLayers() > 0) lower = lowerLayerCache(c);
            log.printf("contrastive reward model %d/%d: %s%n", k, variants.size(), v);
            TrainJob job = new TrainJob(c.model(), c.train(), new BradleyTerryLoss(), 1.0, null, null, log, v, lower)
                    .withContrastive(contrastive(mc[0], mc[1]));
            TrainJob.Outcome o = job.run(train, List.of(), false, curve(dir, v));
            try (RewardModel model = o.model()) {
                float[][] vs = LowerLayerCache.score(lower, model, valid);
                ObjectNode row = evaluate(v, "bt", "train.jsonl", model, test, valid, lower, null, validSource).row();
                row.put("given_loss_valid", PairMetrics.of(vs[0], vs[1]).loss());
                row.put("train_seconds", o.result().state().elapsedSeconds());
                RewardModels.save(model, vd, provenance);
                Json.write(vd.resolve("row.json"), row);
            }
        }
    }

    /** A model's training curve, OUT/metrics/NAME.jsonl (replaced, not appended to, when the demo reruns into OUT). */
    static List<TrainListener> curve(Path out, String name) {
        Path file = out.resolve("metrics").resolve(name + ".jsonl");
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot replace " + file + ": " + e.getMessage(), e);
        }
        return List.of(new MetricsFile(file));
    }

    /** Per pair, whether its chosen response has the higher gold reward (the denoiser swaps gold with the labels). */
    static boolean[] agreesWithGold(List<PreferencePair> pairs) {
        boolean[] agrees = new boolean[pairs.size()];
        for (int i = 0; i < agrees.length; i++) {
            PreferencePair p = pairs.get(i);
            agrees[i] = p.number("gold_chosen").getAsDouble() > p.number("gold_rejected").getAsDouble();
        }
        return agrees;
    }

    private static double share(boolean[] b) {
        int k = 0;
        for (boolean x : b) if (x) k++;
        return b.length == 0 ? Double.NaN : k / (double) b.length;
    }

    private static LowerLayerCache lowerLayerCache(DemoConfig c) {
        try (RewardModel any = c.model().create(c.seed())) {
            return LowerLayerCache.forTopLayers(any, c.train().trainTopLayers());
        }
    }

    /** A model's summary row and its rewards of the test pairs, which later models are compared with. */
    record Scored(ObjectNode row, float[][] test) {}

    /**
     * Accuracy against gold on the clean test set, and against given and gold labels on the noisy
     * validation set; with {@code baselineTest}, the paired difference from the baseline on the test set.
     * The model is then calibrated on the validation pairs' scores (no extra scoring pass): its temperature is
     * attached to it, so a checkpoint saved afterwards carries it, and the row gets ECE and Brier before and after.
     */
    static Scored evaluate(String name, String loss, String data, RewardModel model, List<PreferencePair> test,
                           List<PreferencePair> valid, LowerLayerCache lower, float[][] baselineTest, ObjectNode validSource) {
        // With top-layer training the frozen lower layers of the test and validation texts are computed once for all models.
        float[][] ts = LowerLayerCache.score(lower, model, test);
        float[][] vs = LowerLayerCache.score(lower, model, valid);
        ObjectNode row = row(name, loss, data, ts, vs, valid, baselineTest);
        calibrate(row, model, vs, ts, validSource);
        return new Scored(row, ts);
    }

    /**
     * A model's row of {@code summary.json} from its rewards ({@code [chosen, rejected]}) of the clean test pairs and
     * the noisy validation pairs; with {@code baselineTest}, the paired difference from the baseline on the test set.
     */
    public static ObjectNode row(String name, String loss, String data, float[][] ts, float[][] vs,
                                 List<PreferencePair> valid, float[][] baselineTest) {
        ObjectNode row = Json.MAPPER.createObjectNode();
        row.put("variant", name);
        row.put("loss", loss);
        row.put("train_data", data);
        PairMetrics t = PairMetrics.of(ts[0], ts[1]);
        row.put("gold_accuracy_test", t.accuracy());
        row.set("test", t.toJson());
        row.put("given_accuracy_valid", PairMetrics.of(vs[0], vs[1]).accuracy());
        row.put("gold_accuracy_valid", EvalReport.goldMetrics(valid, vs[0], vs[1]).path("against_gold").path("accuracy").asDouble());
        if (baselineTest != null) row.set("test_vs_baseline", PairedDifference.of(ts, baselineTest).toJson());
        return row;
    }

    /**
     * Fits the temperature on the validation rewards, attaches it to the model and records in the row: the fit, ECE and
     * Brier on the validation pairs before and after (where it was fitted), and ECE on the test pairs before and after
     * (clean labels, so a model fitted to noisy labels is expected to look underconfident there).
     */
    static void calibrate(ObjectNode row, RewardModel model, float[][] vs, float[][] ts, ObjectNode validSource) {
        try {
            TemperatureScaling.Calibrated c = TemperatureScaling.calibrate(vs[0], vs[1]);
            ObjectNode block = c.toBlock(validSource);
            model.withCalibration(block);
            double t = c.fit().temperature();
            ObjectNode r = block.deepCopy();
            r.put("ece_test_before", PairMetrics.of(ts[0], ts[1]).ece());
            r.put("ece_test_after", PairMetrics.of(TemperatureScaling.scale(ts[0], t), TemperatureScaling.scale(ts[1], t)).ece());
            r.remove("data");
            row.set("calibration", r);
        } catch (IllegalArgumentException e) {
            // A model no better than chance on the validation pairs has no positive temperature: left uncalibrated.
            row.put("calibration_error", e.getMessage());
        }
    }

    /** Each variant's temperature and ECE before and after it, on the validation pairs it was fitted on and on the test pairs. */
    static String calibrationTable(ObjectNode s) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%nCalibration: one temperature T per model fitted on the %d noisy validation pairs (rewards / T);"
                + " accuracy unchanged.%n", s.path("config").path("valid_pairs").asInt()));
        b.append(String.format("%-20s %8s %19s %21s %19s%n", "reward model", "T", "ECE valid (fitted)", "Brier valid",
                "ECE test (clean)"));
        for (var r : s.withArray("variants")) {
            JsonNode c = r.path("calibration");
            if (c.isMissingNode()) {
                b.append(String.format("%-20s not calibrated: %s%n", r.path("variant").asText(), r.path("calibration_error").asText()));
                continue;
            }
            b.append(String.format("%-20s %8.3f %8.4f -> %6.4f %10.4f -> %6.4f %8.4f -> %6.4f%n", r.path("variant").asText(),
                    c.path("temperature").asDouble(), c.path("ece_before").asDouble(), c.path("ece_after").asDouble(),
                    c.path("brier_before").asDouble(), c.path("brier_after").asDouble(),
                    c.path("ece_test_before").asDouble(), c.path("ece_test_after").asDouble()));
        }
        b.append(String.format("(the test labels are clean, the validation labels as noisy as training: a model calibrated to"
                + " noisy labels%n should look underconfident on clean ones)%n"));
        return b.toString();
    }

    static String table(ObjectNode s) {
        StringBuilder b = new StringBuilder();
        ObjectNode st = (ObjectNode) s.get("strength");
        b.append(String.format("Controlled task, %d training pairs with %.0f%% labels flipped on purpose; strength from %d members.%n",
                s.path("config").path("train_pairs").asInt(), 100 * s.path("config").path("flip_rate").asDouble(),
                s.path("config").path("members").asInt()));
        b.append(String.format("Strength: %.1f%% of pairs have μ̂ < 0; finding flipped labels by low μ̂: ROC AUC %.3f.%n",
                100 * st.path("fraction_negative").asDouble(), st.path("flip_auc").asDouble()));
        b.append(String.format("Denoising flipped %d pairs with μ̂ < %s (%d had been flipped on purpose): training labels agreeing"
                        + " with gold %.1f%% given, %.1f%% after flipping.%n", s.path("denoise_flipped").asInt(),
                s.path("config").path("flip_below").asText(), s.path("denoise_flipped_correctly").asInt(),
                100 * s.path("label_gold_agreement_given").asDouble(), 100 * s.path("label_gold_agreement_flipped").asDouble()));
        b.append(String.format("%n%-20s %-14s %15s %17s %18s %18s%n", "reward model", "loss", "gold acc (test)",
                "vs baseline", "gold acc (valid)", "label acc (valid)"));
        for (var r : s.withArray("variants")) {
            double acc = r.path("gold_accuracy_test").asDouble();
            JsonNode vs = r.path("test_vs_baseline");
            String gain = vs.isMissingNode() ? "" : String.format("%+.1f ±%.1f pts", 100 * vs.path("accuracy_difference").asDouble(),
                    100 * vs.path("ci95").asDouble());
            b.append(String.format("%-20s %-14s %15.4f %17s %18.4f %18.4f%n", r.path("variant").asText(),
                    r.path("loss").asText(), acc, gain, r.path("gold_accuracy_valid").asDouble(),
                    r.path("given_accuracy_valid").asDouble()));
        }
        b.append(String.format("(vs baseline: gold-accuracy points on the same test pairs, ± the 95%% interval of the paired"
                + " difference;%n it covers test-set sampling only, not the spread between training runs)%n"));
        b.append(calibrationTable(s));
        b.append(String.format("%nwall time %s%n", ProgressListener.duration(s.path("wall_seconds").asDouble())));
        return b.toString();
    }

}
