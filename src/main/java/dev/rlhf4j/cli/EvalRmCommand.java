package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.EvalReport;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.eval.TemperatureScaling;
import dev.rlhf4j.eval.RepresentationSeparation;
import dev.rlhf4j.eval.rewardbench.ResponseScorer;
import dev.rlhf4j.eval.rewardbench.RewardBench;
import dev.rlhf4j.eval.rewardbench.RewardBench2;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.RewardNormalization;
import dev.rlhf4j.provenance.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j eval-rm}: how well a reward model orders preference pairs. */
@Command(name = "eval-rm", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a reward model on preference pairs: accuracy, loss, mean reward gap, ECE and Brier "
                + "score of σ(r_c − r_r), optionally broken down by a field and measured against gold labels.")
public final class EvalRmCommand implements Callable<Integer> {
    /** Seed of the split of pairs between fitting and testing the --representations probe. */
    static final long PROBE_SEED = 42;

    @Option(names = "--model", description = "Reward-model checkpoint directory (default: none; required unless --dpo-policy).")
    Path model;

    @Option(names = "--adapter", description = "A PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors) "
            + "put on --model as its base (default: none; --model may also name an adapter directory alone, whose "
            + "base_model_name_or_path is then the base).")
    Path adapter;

    @Option(names = "--dpo-policy", description = "Evaluate a DPO policy's implicit reward r(x, y) = β · (log π(y|x) − "
            + "log π_ref(y|x)) instead of a reward model: the policy's checkpoint directory; needs --dpo-reference "
            + "(default: none).")
    Path dpoPolicy;

    @Option(names = "--dpo-reference", description = "The DPO run's reference policy (its --policy, e.g. the SFT checkpoint; default: none, required with --dpo-policy).")
    Path dpoReference;

    @Option(names = "--beta", defaultValue = dev.rlhf4j.rl.DpoConfig.Defaults.BETA,
            description = "β of the implicit reward; the DPO run's β puts σ(r_c − r_r) on the scale it was trained on "
                    + "(default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--dpo-max-length", defaultValue = dev.rlhf4j.rl.DpoConfig.Defaults.MAX_LENGTH,
            description = "Tokens per sequence for --dpo-policy, as the DPO run's --max-length (default: ${DEFAULT-VALUE}).")
    int dpoMaxLength;

    @Option(names = "--dpo-max-prompt-tokens", defaultValue = dev.rlhf4j.rl.DpoConfig.Defaults.MAX_PROMPT_TOKENS,
            description = "Prompt tokens kept for --dpo-policy, as the DPO run's --max-prompt-tokens (default: ${DEFAULT-VALUE}).")
    int dpoMaxPrompt;

    @Option(names = "--data", required = true, description = "Pairs to evaluate; with --benchmark, the benchmark's released "
            + "file, Parquet or JSON Lines (rewardbench: the 'filtered' split; rewardbench2: the 'test' split).")
    Path data;

    @Option(names = "--benchmark", description = "Score --data as a published benchmark, with its figures computed as "
            + "allenai/reward-bench computes them: rewardbench (v1: per-subset accuracy, ties counted wrong, the Chat, Chat "
            + "Hard, Safety and Reasoning sections weighted by reward-bench's example counts, prior sets at half weight) or "
            + "rewardbench2 (best-of-4 per prompt, the Ties subset's formula, the mean of the six subsets). Prints a table; "
            + "--out writes reward-bench's results JSON (default: none).")
    String benchmark;

    @Option(names = "--prior-sets", arity = "1..*", description = "With --benchmark rewardbench: splits of "
            + "allenai/preference-test-sets, Parquet or JSON Lines, each named after its split (shp-00000-of-00001.parquet, shp.jsonl, …); "
            + "their mean (anthropic_helpful, anthropic_hhh, shp, summarize) enters the average at half weight (default: none).")
    List<Path> priorSets;

    @Option(names = "--by", description = "Break the metrics down by this record field, e.g. source or family (default: no breakdown).")
    String by;

    @Option(names = "--gold", defaultValue = "false",
            description = "Also measure against gold labels from the records' gold_chosen/gold_rejected fields, and on "
                    + "the subset where the given label agrees with gold (default: ${DEFAULT-VALUE}).")
    boolean gold;

    @Option(names = "--compare", description = "A second checkpoint scored on the same pairs: prints this model's accuracy "
            + "minus the other's with the 95%% interval of the paired difference, on the given labels and with --gold "
            + "against gold (default: none).")
    Path compare;

    @Option(names = "--representations", defaultValue = "false",
            description = "Also measure how far apart the model keeps the representations of chosen and rejected "
                    + "responses: the mean cosine of each pair's pooled features and the ROC AUC of a logistic probe "
                    + "fitted on half the pairs and tested on the other half (default: ${DEFAULT-VALUE}).")
    boolean representations;

    @Option(names = "--uncalibrated", defaultValue = "false",
            description = "Report on raw rewards even when the checkpoint carries a calibrated temperature; the calibration "
                    + "section still shows both scales (default: ${DEFAULT-VALUE}: the calibrated scale when there is one).")
    boolean uncalibrated;

    @Option(names = "--json", defaultValue = "false", description = "Print one JSON object on stdout instead of text (default: ${DEFAULT-VALUE}).")
    boolean json;

    @Option(names = "--out", description = "Also write the JSON report to this file (default: stdout only).")
    Path outFile;

    @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Mixin DataOptions dataOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (dpoPolicy != null) return implicitReward();
        if (model == null) throw new IllegalArgumentException("eval-rm needs --model (or --dpo-policy with --dpo-reference)");
        if (benchmark != null) return benchmark();
        if (priorSets != null) throw new IllegalArgumentException("--prior-sets needs --benchmark rewardbench");
        List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
        // Both checkpoints load before any scoring, so a bad --compare directory fails at once.
        try (RewardModel rm = Adapters.rewardModel(model, adapter, device.get(), false);
             RewardModel other = compare == null ? null : RewardModels.load(compare, device.get(), !uncalibrated)) {
            // Raw rewards, then the calibrated scale by the same division RewardModel.score applies: both scales from one pass.
            float[][] raw = PairScorer.score(rm, pairs, batchSize);
            double t = rm.calibration() == null ? 1 : rm.calibration().path("temperature").asDouble();
            RewardNormalization norm = uncalibrated ? null : rm.normalization();
            float[][] s = norm != null ? new float[][] {normalized(raw[0], norm), normalized(raw[1], norm)}
                    : uncalibrated || t == 1 ? raw
                    : new float[][] {TemperatureScaling.scale(raw[0], t), TemperatureScaling.scale(raw[1], t)};
            ObjectNode report = EvalReport.build(pairs, s[0], s[1], by, gold);
            report.put("scale", norm != null ? "normalized (r - mean) / std"
                    : rm.calibration() == null ? (rm.normalization() == null ? "raw (no calibration)" : "raw (--uncalibrated)")
                    : uncalibrated ? "raw (--uncalibrated)" : "calibrated");
            report.set("reliability", PairMetrics.reliabilityJson(s[0], s[1]));
            if (rm.calibration() != null) report.set("calibration", EvalReport.calibration(raw, rm.calibration()));
            if (other != null) {
                ObjectNode c = EvalReport.comparison(pairs, s, PairScorer.score(other, pairs, batchSize), gold);
                c.put("model", compare.toString());
                report.set("compare", c);
            }
            RepresentationSeparation.Result sep = representations
                    ? RepresentationSeparation.measure(rm, pairs, batchSize, PROBE_SEED) : null;
            if (sep != null) report.set("representations", sep.toJson());
            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("data", data);
            inputs.put("model_weights", Adapters.weightsOf(model));
            inputs.put("adapter_weights", adapter == null ? null : adapter.resolve(Adapters.WEIGHTS));
            if (compare != null) inputs.put("compare_weights", compare.resolve(RewardModels.WEIGHTS));
            report.set("provenance", Provenance.of("eval-rm", spec.commandLine().getParseResult().originalArgs(), inputs,
                    0, Engines.info()));
            if (outFile != null) {
                Json.write(outFile, report);
            }
            if (json) {
                System.out.println(Json.MAPPER.writeValueAsString(report));
            } else {
                EvalReport.print(report, System.out);
                if (sep != null) System.out.println(sep.line());
            }
        }
        return Main.OK;
    }

    /** {@code --dpo-policy}: the implicit reward of a DPO policy, reported as a reward model's rewards are. */
    private int implicitReward() throws Exception {
        if (dpoReference == null) throw new IllegalArgumentException("--dpo-policy needs --dpo-reference (the DPO run's --policy)");
        if (model != null || benchmark != null || compare != null || representations) {
            throw new IllegalArgumentException("--dpo-policy cannot be combined with --model, --benchmark, --compare or --representations");
        }
        List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
        ObjectNode report;
        try (var policy = dev.rlhf4j.rl.Policies.load(dpoPolicy, device.get());
             var reference = dev.rlhf4j.rl.Policies.load(dpoReference, device.get())) {
            float[][] s = dev.rlhf4j.rl.ImplicitReward.score(policy, reference, pairs, beta, dpoMaxPrompt, dpoMaxLength, batchSize);
            report = EvalReport.build(pairs, s[0], s[1], by, gold);
            report.put("scale", "implicit reward β·(log π − log π_ref), β " + beta);
            report.set("reliability", PairMetrics.reliabilityJson(s[0], s[1]));
        }
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("data", data);
        inputs.put("dpo_policy", dpoPolicy.resolve("model.safetensors"));
        inputs.put("dpo_reference", dpoReference.resolve("model.safetensors"));
        report.set("provenance", Provenance.of("eval-rm", spec.commandLine().getParseResult().originalArgs(), inputs, 0,
                Engines.info()));
        if (outFile != null) Json.write(outFile, report);
        if (json) System.out.println(Json.MAPPER.writeValueAsString(report));
        else EvalReport.print(report, System.out);
        return Main.OK;
    }

    private static float[] normalized(float[] raw, RewardNormalization n) {
        float[] out = new float[raw.length];
        for (int i = 0; i < out.length; i++) out[i] = n.apply(raw[i]);
        return out;
    }

    /**
     * {@code --benchmark}: scores the benchmark's file on raw rewards (temperature and normalisation keep every order and
     * every tie, so no figure depends on them), prints the table, writes the JSON to --out and, with --json, prints it.
     */
    private int benchmark() throws Exception {
        boolean v1 = switch (benchmark.toLowerCase(java.util.Locale.ROOT)) {
            case "rewardbench" -> true;
            case "rewardbench2" -> false;
            default -> throw new IllegalArgumentException("unknown --benchmark '" + benchmark + "' (expected rewardbench or rewardbench2)");
        };
        if (!v1 && priorSets != null) throw new IllegalArgumentException("--prior-sets belongs to --benchmark rewardbench (v1)");
        if (compare != null || by != null || gold || representations) {
            throw new IllegalArgumentException("--benchmark cannot be combined with --compare, --by, --gold or --representations");
        }
        List<RewardBench.Item> items = null;
        List<RewardBench2.Item> items2 = null;
        if (v1) {
            items = new java.util.ArrayList<>(RewardBench.readCore(data));
            if (priorSets != null) for (Path p : priorSets) items.addAll(RewardBench.readPriorSet(p));
        } else {
            items2 = RewardBench2.read(data);
        }
        try (RewardModel rm = Adapters.rewardModel(model, adapter, device.get(), false)) {
            ResponseScorer scorer = ResponseScorer.of(rm, batchSize);
            var decoding = rm.encoder().decoding();
            String template = decoding == null ? "none (encoder: context and response as a pair)"
                    : decoding.renderer() == dev.rlhf4j.text.PromptRenderer.TRANSCRIPT ? "Human/Assistant transcript" : "tokenizer";
            ObjectNode report;
            String table;
            if (v1) {
                RewardBench.Result r = RewardBench.score(items, scorer);
                report = r.toJson(model.toString(), template);
                table = r.table();
            } else {
                RewardBench2.Result r = RewardBench2.score(items2, scorer);
                report = r.toJson(model.toString(), template);
                table = r.table();
            }
            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("data", data);
            if (priorSets != null) for (int i = 0; i < priorSets.size(); i++) inputs.put("prior_set_" + i, priorSets.get(i));
            inputs.put("model_weights", Adapters.weightsOf(model));
            inputs.put("adapter_weights", adapter == null ? null : adapter.resolve(Adapters.WEIGHTS));
            report.set("provenance", Provenance.of("eval-rm", spec.commandLine().getParseResult().originalArgs(), inputs,
                    0, Engines.info()));
            if (outFile != null) Json.write(outFile, report);
            if (json) System.out.println(Json.MAPPER.writeValueAsString(report));
            else System.out.print(table);
        }
        return Main.OK;
    }
}
