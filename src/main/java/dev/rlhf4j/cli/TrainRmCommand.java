package dev.rlhf4j.cli;

import dev.rlhf4j.data.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.LoadResult;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.train.checkpoint.ResumeState;
import picocli.CommandLine.Command;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j train-rm}: trains a reward model on preference pairs and saves the best checkpoint. */
@Command(name = "train-rm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a reward model on preference pairs.",
                "Writes OUT/model.safetensors, config.json, tokenizer.json, provenance.json (the best validation "
                        + "checkpoint), OUT/metrics.jsonl, OUT/train_summary.json and OUT/resume/ (to continue after a kill)."})
public final class TrainRmCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Training pairs (hh, pairs or moss format; .gz allowed).")
    Path data;

    @Option(names = "--valid", description = "Validation pairs (default: none; a share of --data is held out by prompt hash instead).")
    Path valid;

    @Option(names = "--valid-fraction", defaultValue = "0.2",
            description = "Share of --data held out for validation when --valid is not given (default: ${DEFAULT-VALUE}).")
    double validFraction;

    @Option(names = "--group-by", description = "Record field that keeps related pairs on one side of the split "
            + "(e.g. tree for Open-Assistant; default: the prompt text).")
    String groupBy;

    @Option(names = "--out", description = "Output directory (required unless --resume names it; no default).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR from its last resume checkpoint after a kill; give the other options "
                    + "as in the first run (default: start a new run).")
    Path resumeDir;

    @Option(names = "--calibrate-on-valid", defaultValue = "false",
            description = "After training, fit the reward temperature on the validation pairs and store it in the "
                    + "checkpoint, as 'calibrate' does; needs a validation set (default: ${DEFAULT-VALUE}).")
    boolean calibrateOnValid;

    @Option(names = "--normalize-on-valid", defaultValue = "false",
            description = "After training, store the mean and std of the saved checkpoint's raw rewards over the validation "
                    + "pairs (OpenRLHF's normalize_reward, mean, std), as 'calibrate --normalize' does; score, serve and ppo "
                    + "then read (r − mean) / std. Needs a validation set (default: ${DEFAULT-VALUE}).")
    boolean normalizeOnValid;

    @Mixin DataOptions dataOptions;
    @Mixin ModelOptions modelOptions;
    @Mixin TrainOptions trainOptions;
    @Mixin ContrastiveOptions contrastiveOptions;
    @Mixin LoraOptions loraOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    /** Resuming on other data would silently mix two runs: refuse unless the file is the one the run started with. */
    private static void checkSameData(Path provenance, Path data) {
        if (!Files.isRegularFile(provenance)) return;
        String before = dev.rlhf4j.data.Json.read(provenance).path("inputs").path("data").path("sha256").asText("");
        if (!before.isEmpty() && !before.equals(Provenance.sha256(data))) {
            throw new IllegalArgumentException("--resume: " + data + " is not the file this run was started on (SHA-256 differs from "
                    + provenance + ")");
        }
    }

    @Override
    public Integer call() throws Exception {
        var err = System.err;
        boolean resume = resumeDir != null;
        if (resume) {
            if (out != null && !out.toAbsolutePath().normalize().equals(resumeDir.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--resume " + resumeDir + " and --out " + out + " name different runs");
            }
            out = resumeDir;
            if (!ResumeState.exists(out)) throw new IllegalArgumentException("--resume: " + out + " holds no resume state");
            checkSameData(out.resolve(ResumeState.DIR).resolve(dev.rlhf4j.model.RewardModels.PROVENANCE), data);
        } else if (out == null) {
            throw new IllegalArgumentException("--out is required (or --resume DIR to continue a run)");
        } else if (ResumeState.exists(out)) {
            throw new IllegalArgumentException(out + " already holds a run; use --resume " + out + " to continue it or choose another --out");
        }
        err.println("reading " + data);
        LoadResult train = dataOptions.load(data, err);
        List<PreferencePair> trainPairs = train.pairs();
        List<PreferencePair> validPairs;
        if (valid != null) {
            err.println("reading " + valid);
            validPairs = dataOptions.load(valid, err).pairs();
        } else if (validFraction > 0) {
            Split split = groupBy == null ? Split.byHash(trainPairs, validFraction)
                    : Split.byHash(trainPairs, validFraction, Split.groupBy(groupBy));
            trainPairs = split.train();
            validPairs = split.valid();
            err.printf("split by %s hash: %d train, %d validation%n", groupBy == null ? "prompt" : groupBy,
                    trainPairs.size(), validPairs.size());
        } else {
            validPairs = List.of();
        }
        if (trainPairs.isEmpty()) throw new IllegalArgumentException(data + ": no training pairs");
        if ((calibrateOnValid || normalizeOnValid) && validPairs.isEmpty()) {
            throw new IllegalArgumentException((calibrateOnValid ? "--calibrate-on-valid" : "--normalize-on-valid")
                    + " needs validation pairs: give --valid FILE or a --valid-fraction above 0");
        }
        TrainConfig cfg = trainOptions.config();
        ContrastiveConfig contrastive = contrastiveOptions.config();
        // In-batch negatives want a larger batch: with --contrastive the default is the paper's 16 pairs.
        if (contrastive != null && !spec.commandLine().getParseResult().hasMatchedOption("--batch-size")) {
            cfg = cfg.toBuilder().batchPairs(ContrastiveConfig.DEFAULT_BATCH_PAIRS).build();
        }
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("data", data);
        inputs.put("valid", valid);
        ObjectNode prov = Provenance.of("train-rm", spec.commandLine().getParseResult().originalArgs(), inputs, cfg.seed(),
                Engines.info());
        prov.set("config", cfg.toJson());
        prov.put("loss", trainOptions.loss);
        if (trainOptions.centerRewards > 0) prov.put("center_rewards", trainOptions.centerRewards);
        prov.put("backbone", modelOptions.backbone);
        if (contrastive != null) prov.set("contrastive", dev.rlhf4j.data.Json.MAPPER.valueToTree(contrastive));
        prov.set("data_report", train.report().toJson());
        Files.createDirectories(out);
        LoraConfig lora = loraOptions.config(LoraConfig.SEQ_CLS, modelOptions.spec().decoder());
        if (lora != null) prov.set("lora", lora.toJson());
        TrainJob job = new TrainJob(modelOptions.spec().withLora(lora), cfg, trainOptions.lossFunction(), trainOptions.marginScale, out, prov,
                err, "train-rm").withContrastive(contrastive);
        TrainJob.Outcome o = job.run(trainPairs, validPairs, resume);
        try (var model = o.model()) {
            ObjectNode summary = prov.deepCopy();
            summary.put("optimizer_steps", o.result().state().optimizerSteps());
            summary.put("skipped_steps", o.result().state().skippedSteps());
            summary.put("train_pairs", trainPairs.size());
            summary.put("valid_pairs", validPairs.size());
            summary.put("mean_step_seconds", o.result().meanStepSeconds());
            summary.put("tokens_per_second", o.result().tokensPerSecond());
            summary.put("wall_seconds", o.result().state().elapsedSeconds());
            PairMetrics last = o.result().last();
            PairMetrics best = o.result().best();
            if (last != null) summary.set("final_validation", last.toJson());
            if (best != null) summary.set("best_validation", best.toJson());
            summary.put("best_step", o.result().state().bestStep());
            if (o.result().state().bestStep() >= 0) summary.put("best_accuracy", o.result().state().bestAccuracy());
            Json.write(out.resolve("train_summary.json"), summary);
            System.out.printf("trained %d steps in %s (%.2f s/step, %.0f tokens/s)%n", o.result().state().optimizerSteps(),
                    ProgressListener.duration(o.result().state().elapsedSeconds()), o.result().meanStepSeconds(),
                    o.result().tokensPerSecond());
            if (best != null) {
                System.out.println("best validation (step " + o.result().state().bestStep() + "): " + best);
            } else if (o.result().state().bestStep() >= 0) {
                System.out.printf("best validation (step %d, before the resume): accuracy %.4f%n", o.result().state().bestStep(),
                        o.result().state().bestAccuracy());
            }
            if (last != null) System.out.println("final validation: " + last);
            if (normalizeOnValid) {
                ObjectNode normProv = prov.deepCopy();
                normProv.put("command", "train-rm --normalize-on-valid");
                ObjectNode report = CalibrateCommand.normalizeCheckpoint(out, validPairs, validSource(validPairs.size()),
                        normProv, 4 * cfg.batchPairs(), modelOptions.device.get(), System.out);
                summary.set("normalization", report.get("normalization"));
                Json.write(out.resolve("train_summary.json"), summary);
            }
            if (calibrateOnValid) {
                // The saved checkpoint (the best validation step) is what gets calibrated, not the final weights in memory.
                ObjectNode source = validSource(validPairs.size());
                ObjectNode calProv = prov.deepCopy();
                calProv.put("command", "train-rm --calibrate-on-valid");
                try {
                    ObjectNode report = CalibrateCommand.calibrateCheckpoint(out, validPairs, source, calProv,
                            4 * cfg.batchPairs(), modelOptions.device.get(), System.out);
                    summary.set("calibration", report.get("calibration"));
                } catch (IllegalArgumentException e) {
                    // A model no better than chance (or one that separates every pair) has no finite temperature;
                    // the trained checkpoint is still good, so it is kept uncalibrated rather than lost.
                    err.println("warning: --calibrate-on-valid: " + e.getMessage() + "; the checkpoint stays uncalibrated");
                    summary.put("calibration_error", e.getMessage());
                }
                Json.write(out.resolve("train_summary.json"), summary);
            }
            System.out.println("model: " + out.toAbsolutePath());
        }
        return Main.OK;
    }

    /** Where the validation pairs came from, for a calibration or normalisation fitted on them. */
    private ObjectNode validSource(int pairs) {
        return valid != null ? CalibrateCommand.source(valid, pairs, "all pairs of the file")
                : CalibrateCommand.source(data, pairs, String.format(java.util.Locale.ROOT,
                "validation side of train-rm's split by %s hash (fraction %s)", groupBy == null ? "prompt" : groupBy, validFraction));
    }
}
