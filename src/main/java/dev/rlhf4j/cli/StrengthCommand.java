package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.strength.StrengthScheme;
import dev.rlhf4j.strength.StrengthSummary;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j strength}: preference strength of every pair from an ensemble of reward models. */
@Command(name = "strength", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure preference strength (paper Eq. 4): train M reward models, score every pair with each, "
                + "and write the pairs back with 'mean preference difference', 'std preference difference', "
                + "'chosen score list' and 'rejected score list' (the field names of the authors' released data).",
                "Writes OUT/strength.jsonl, OUT/strength.json (fraction with μ̂ < 0, the 20-group table, and flip "
                        + "detection where the data say which labels were flipped) and prints the summary.",
                "Cost: M full trainings plus M scoring passes (scheme order); kfold trains on (M−1)/M of the data, "
                        + "bootstrap on resamples of the full size. The default is the paper's: every member fine-tunes "
                        + "every weight. --train-top-layers K makes members cheaper: the lower layers run once for all "
                        + "members and each member trains and scores with the top K only (MiniLM, 2 cores, 64 tokens: "
                        + "a full member takes about 50 s per 1,000 pairs, a top-3 member about 20 s per 1,000 pairs "
                        + "plus 5 s of scoring). --lora-r R trains each member as a LoRA adapter (and reward head) over the frozen backbone."})
public final class StrengthCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Pairs to measure.")
    Path data;

    @Option(names = "--train-fraction", defaultValue = "1.0",
            description = "Keep only this share of --data, by prompt hash (e.g. 0.8 for the train side of an 80/20 split; "
                    + "default: ${DEFAULT-VALUE}).")
    double trainFraction;

    @Option(names = "--members", defaultValue = "10", description = "Ensemble size M (default: ${DEFAULT-VALUE}, the paper's).")
    int members;

    @Option(names = "--scheme", defaultValue = "order",
            description = "order (paper: all data, members differ in data order), kfold (out-of-fold scores) or "
                    + "bootstrap (out-of-bag scores) (default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Mixin DataOptions dataOptions;
    @Mixin ModelOptions modelOptions;
    @Mixin TrainOptions trainOptions;
    /** LoRA: every member a fresh adapter (and reward head) over the one frozen --backbone. */
    @Mixin LoraOptions loraOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
        if (trainFraction < 1.0) {
            pairs = Split.byHash(pairs, 1.0 - trainFraction).train();
            System.err.printf("kept %d pairs (train side of a %.0f/%.0f prompt-hash split)%n", pairs.size(),
                    100 * trainFraction, 100 * (1 - trainFraction));
        }
        TrainConfig cfg = trainOptions.config();
        StrengthEstimator.Config sc = new StrengthEstimator.Config(members, StrengthScheme.parse(scheme), cfg.seed());
        Files.createDirectories(out);
        dev.rlhf4j.model.lora.LoraConfig lora = loraOptions.config(dev.rlhf4j.model.lora.LoraConfig.SEQ_CLS, modelOptions.spec().decoder());
        StrengthEstimator.Result r = StrengthEstimator.estimate(pairs, sc, modelOptions.spec().withLora(lora), cfg,
                trainOptions.lossFunction(), System.err);
        ObjectNode prov = Provenance.of("strength", spec.commandLine().getParseResult().originalArgs(), Map.of("data", data), cfg.seed(),
                Engines.info());
        if (lora != null) prov.set("lora", lora.toJson());
        ObjectNode summary = write(out, r, prov, sc, cfg);
        StrengthSummary.print(summary, System.out);
        System.out.printf("%d members (%s) in %s%n", members, scheme, ProgressListener.duration(r.wallSeconds()));
        System.out.println("strength file: " + out.resolve("strength.jsonl").toAbsolutePath());
        System.out.println("summary: " + out.resolve("strength.json").toAbsolutePath());
        return Main.OK;
    }

    /**
     * Writes OUT/strength.jsonl and OUT/strength.json (the summary, {@code prov} with the settings added, the members'
     * costs, the wall time) and returns the summary: what the local and the Spark strength both write.
     */
    public static ObjectNode write(Path out, StrengthEstimator.Result r, ObjectNode prov, StrengthEstimator.Config sc,
                                   TrainConfig cfg) throws java.io.IOException {
        Jsonl.write(out.resolve("strength.jsonl"), r.records());
        ObjectNode summary = summarize(r);
        prov.set("config", cfg.toJson());
        prov.put("scheme", sc.scheme().name().toLowerCase());
        prov.put("members", sc.members());
        summary.set("provenance", prov);
        ArrayNode ms = summary.putArray("members");
        for (var m : r.members()) ms.add(Json.MAPPER.valueToTree(m));
        summary.put("wall_seconds", r.wallSeconds());
        Json.write(out.resolve("strength.json"), summary);
        return summary;
    }

    /** The summary over the pairs that got at least one score. */
    public static ObjectNode summarize(StrengthEstimator.Result r) {
        List<Integer> scored = new java.util.ArrayList<>();
        for (int i = 0; i < r.pairs().size(); i++) if (r.strengths().get(i).members() > 0) scored.add(i);
        double[] mean = new double[scored.size()], std = new double[scored.size()];
        boolean hasFlip = true, hasGold = true;
        for (int i : scored) {
            hasFlip &= r.pairs().get(i).record().path("flipped").isBoolean();
            hasGold &= r.pairs().get(i).number("gold_chosen").isPresent() && r.pairs().get(i).number("gold_rejected").isPresent();
        }
        boolean[] flipped = hasFlip && !scored.isEmpty() ? new boolean[scored.size()] : null;
        boolean[] agrees = hasGold && !scored.isEmpty() ? new boolean[scored.size()] : null;
        for (int k = 0; k < scored.size(); k++) {
            PreferencePair p = r.pairs().get(scored.get(k));
            mean[k] = r.strengths().get(scored.get(k)).mean();
            std[k] = r.strengths().get(scored.get(k)).std();
            if (flipped != null) flipped[k] = p.record().path("flipped").asBoolean();
            if (agrees != null) agrees[k] = p.number("gold_chosen").getAsDouble() > p.number("gold_rejected").getAsDouble();
        }
        ObjectNode s = StrengthSummary.of(mean, std, flipped, agrees);
        s.put("unscored_pairs", r.pairs().size() - scored.size());
        return s;
    }
}
