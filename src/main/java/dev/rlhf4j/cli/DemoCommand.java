package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.demo.DemoConfig;
import dev.rlhf4j.demo.DemoPipeline;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.report.RunReport;
import dev.rlhf4j.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j demo}: the main job on the embedded default (controlled task, MiniLM). */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The main job, offline on the embedded default: generate the controlled task, measure preference "
                + "strength with an ensemble, denoise, train the baseline and the paper's four denoised reward models "
                + "(Flip, Margin, Flip + Margin, Soft Label + Margin) and evaluate them against the gold reward.",
                "Writes OUT/{train,valid,test}.jsonl, strength.jsonl, strength.json, denoised-*.jsonl, summary.json, "
                        + "summary.txt, metrics/*.jsonl, the baseline and Flip + Margin checkpoints, and report.html (the plots)."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", description = "Run directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--train-pairs", defaultValue = "4000", description = "Noisy training pairs; every ensemble member and reward model trains on all of them, so more pairs detect flipped labels better (ROC AUC about 0.92 at 4000, 0.91 at 3000) and take proportionally longer (about 11 minutes at 4000 on 2 cores) (default: ${DEFAULT-VALUE}).")
    int trainPairs;

    @Option(names = "--test-pairs", defaultValue = "2000", description = "Clean test pairs; at 2000 the 95%% interval of a variant's gain over the baseline is about ±1.2 to ±1.4 points (±1.6 to ±2.1 at 1000), the extra scoring is a few seconds per run (seed 42: 10m17s at 1000, 10m20s at 2000) (default: ${DEFAULT-VALUE}).")
    int testPairs;

    @Option(names = "--valid-pairs", defaultValue = "300", description = "Noisy validation pairs (default: ${DEFAULT-VALUE}).")
    int validPairs;

    @Option(names = "--flip-rate", defaultValue = "0.2", description = "Share of training labels flipped on purpose (default: ${DEFAULT-VALUE}).")
    double flipRate;

    @Option(names = "--members", defaultValue = "5", description = "Strength ensemble size (default: ${DEFAULT-VALUE}).")
    int members;

    @Option(names = "--flip-below", defaultValue = "0", description = "Denoising flips pairs with μ̂ below this (default: ${DEFAULT-VALUE}).")
    double flipBelow;

    @Option(names = "--margin-scale", defaultValue = "1.0", description = "margin = scale · μ̂ (default: ${DEFAULT-VALUE}).")
    double marginScale;

    @Option(names = "--label-smoothing", defaultValue = "0.1", description = "α on pairs with μ̂ < 0 for Soft Label + Margin (default: ${DEFAULT-VALUE}).")
    double smoothing;

    @picocli.CommandLine.Mixin SeedOption seed;

    @Option(names = "--backbone", defaultValue = "minilm", description = "Backbone of every reward model (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--max-length", defaultValue = "64", description = "Tokens per input; the task's texts fit (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per reward model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "8", description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Peak learning rate; the short task texts and top-layer training take a higher rate than HH-RLHF (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--train-top-layers", defaultValue = "2",
            description = "Every reward model (ensemble members included) trains only the top K backbone layers and the "
                    + "head, over the lower layers computed once for the run; 3 costs about 1.5 times as much per model, "
                    + "0 fine-tunes every weight, about 3 times (default: ${DEFAULT-VALUE}).")
    int trainTopLayers;

    @Option(names = "--contrastive", defaultValue = "false",
            description = "Also train the paper's contrastive variants (SimCSE and SwAV, on pairs and on differences, each "
                    + "with two dropout views) and Flip + Margin + SimCSE-pairs: five more reward models at about twice "
                    + "the baseline's training time each (default: ${DEFAULT-VALUE}: the demo stays within 15 minutes).")
    boolean contrastive;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainConfig train = TrainConfig.builder().epochs(epochs).batchPairs(batchSize).lr(lr).seed(seed.get()).evalEvery(0)
                .trainTopLayers(trainTopLayers).build();
        ModelSpec model = new ModelSpec(backbone, Pooling.CLS, maxLength, device.get());
        DemoConfig c = new DemoConfig(trainPairs, testPairs, validPairs, flipRate, members, flipBelow, marginScale,
                smoothing, seed.get(), model, train, contrastive);
        ObjectNode prov = Provenance.of("demo", spec.commandLine().getParseResult().originalArgs(), Map.of(), seed.get(),
                Engines.info());
        DemoPipeline.run(c, out, prov, System.err);
        System.out.println();
        System.out.print(java.nio.file.Files.readString(out.resolve("summary.txt")));
        System.out.println("\nrun directory: " + out.toAbsolutePath());
        System.out.println("  summary.json, summary.txt        the comparison above");
        System.out.println("  strength.jsonl, strength.json    per-pair strength and its 20-group table");
        System.out.println("  train/valid/test.jsonl           the controlled task (with gold rewards and flip truth)");
        System.out.println("  denoised-flip.jsonl, denoised-margin.jsonl, baseline-rm/, flip-margin-rm/, metrics/ (training curves)");
        RunReport.Result report = RunReport.write(out, out.resolve("report.html"));
        System.out.println("  report.html                      the plots (" + String.join(", ", report.sections()) + ")");
        System.out.println("\nreport: " + report.file().toAbsolutePath());
        return Main.OK;
    }
}
