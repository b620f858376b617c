package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.DpoConfig;
import dev.rlhf4j.rl.DpoLoss;
import dev.rlhf4j.rl.DpoPairs;
import dev.rlhf4j.rl.DpoTrainer;
import dev.rlhf4j.rl.Policies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j dpo}: direct preference optimisation of a policy, with the paper's strength-based denoising. */
@Command(name = "dpo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Direct preference optimisation of a decoder policy on preference pairs, against the policy as it "
                + "starts (the frozen reference), with h = (log π(y_c|x) − log π_ref(y_c|x)) − (log π(y_r|x) − log π_ref(y_r|x)):",
                "  dpo:  L = −(1 − ε) log σ(βh − Δ) − ε log σ(−(βh − Δ))   (ε = 0, Δ = 0: DPO; ε > 0: cDPO; Δ > 0: ODPO)",
                "  ipo:  L = (h − 1/(2β))²",
                "The paper's denoising from a 'strength' file (μ̂ = mean preference difference of each pair), applied in this "
                        + "order: --flip-below, --drop-band, then Δ (--margin-from-strength) and ε (--smoothing-from-strength).",
                "The reference's log-probabilities are computed once and kept in OUT/" + DpoTrainer.REFERENCE_FILE
                        + " (a resumed run reads them back).",
                "Writes OUT (a Hugging Face *ForCausalLM directory), OUT/metrics.jsonl, OUT/resume/ and OUT/dpo.json."})
public final class DpoCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "The starting policy and reference: a decoder checkpoint (e.g. an 'sft' output).")
    Path policyDir;

    @Option(names = "--data", required = true, description = "Preference pairs (single-turn prompts).")
    Path data;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--loss", defaultValue = DpoConfig.Defaults.LOSS,
            description = "dpo, cdpo (dpo with every pair's ε = --label-smoothing) or ipo (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--beta", defaultValue = DpoConfig.Defaults.BETA, description = "β (default: ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--label-smoothing", defaultValue = "0.1",
            description = "cDPO's ε, the assumed share of flipped labels; read with --loss cdpo only (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--strength", description = "A strength.jsonl written by 'rlhf4j strength' on the same pairs; matched by "
            + "id (by order when the pairs carry no ids). Needed by the four options below (default: none).")
    Path strength;

    @Option(names = "--flip-below", description = "Swap chosen and rejected of every pair with μ̂ < T, and set μ̂ := −μ̂ "
            + "(as 'denoise --flip-below'; default: off).")
    Double flipBelow;

    @Option(names = "--drop-band", split = ",", description = "LO,HI: drop pairs with LO ≤ μ̂ ≤ HI after flipping (default: none).")
    double[] dropBand;

    @Option(names = "--margin-from-strength", defaultValue = "false",
            description = "Per-pair offset inside the sigmoid (ODPO): L = −log σ(βh − Δ), Δ = min(M, max(0, s · μ̂)) with "
                    + "s = --margin-scale and M = --margin-max: the reward model's margin of 'denoise --margin-clip-zero', "
                    + "in the implicit reward's log-odds units (default: ${DEFAULT-VALUE}).")
    boolean marginFromStrength;

    @Option(names = "--margin-scale", defaultValue = "1.0", description = "s in Δ = s · μ̂ (default: ${DEFAULT-VALUE}).")
    double marginScale;

    @Option(names = "--margin-max", defaultValue = "4.0", description = "M, the cap on Δ (default: ${DEFAULT-VALUE}).")
    double marginMax;

    @Option(names = "--smoothing-from-strength", defaultValue = "false",
            description = "Per-pair ε = min(E, σ(−μ̂)), E = --smoothing-max: the Bradley–Terry probability that the label is "
                    + "wrong when the ensemble's mean reward gap is μ̂ (μ̂ after --flip-below); replaces --label-smoothing "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean smoothingFromStrength;

    @Option(names = "--smoothing-max", defaultValue = "0.5", description = "E, the cap on a pair's ε (default: ${DEFAULT-VALUE}).")
    double smoothingMax;

    @Option(names = "--epochs", defaultValue = DpoConfig.Defaults.EPOCHS, description = "Passes over the pairs (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--batch-size", defaultValue = DpoConfig.Defaults.BATCH_SIZE, description = "Pairs per step (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = DpoConfig.Defaults.LR, description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--warmup-ratio", defaultValue = DpoConfig.Defaults.WARMUP_RATIO, description = "Share of steps warming up (default: ${DEFAULT-VALUE}).")
    double warmup;
    @Option(names = "--schedule", defaultValue = DpoConfig.Defaults.SCHEDULE, description = "linear, cosine or constant (default: ${DEFAULT-VALUE}).")
    String schedule;
    @Mixin OptimizerOptions optimizer = OptimizerOptions.policy(Double.parseDouble(DpoConfig.Defaults.WEIGHT_DECAY));
    @Option(names = "--clip", defaultValue = DpoConfig.Defaults.CLIP_NORM, description = "Gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--max-length", defaultValue = DpoConfig.Defaults.MAX_LENGTH, description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int maxLength;
    @Option(names = "--max-prompt-tokens", defaultValue = DpoConfig.Defaults.MAX_PROMPT_TOKENS, description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;
    @Option(names = "--eval-every", defaultValue = DpoConfig.Defaults.EVAL_EVERY, description = "Steps between validations and checkpoints, 0 = each epoch (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--valid-fraction", defaultValue = "0.05", description = "Share of prompts held out for validation, by prompt hash (default: ${DEFAULT-VALUE}).")
    double validFraction;
    @Mixin SeedOption seed;
    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint, with its cached reference (default: start afresh).")
    boolean resume;
    @Mixin DeviceOption device;
    @Mixin RlThreads threads;
    @Mixin DataOptions dataOptions;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        if (dropBand != null && dropBand.length != 2) throw new IllegalArgumentException("--drop-band takes LO,HI");
        boolean cdpo = loss.trim().equalsIgnoreCase("cdpo");
        DpoConfig cfg = DpoConfig.builder().loss(new DpoLoss(DpoLoss.kind(loss), beta)).epochs(epochs).batchSize(batch)
                .optim(optimizer.config(lr)).warmupRatio(warmup).schedule(schedule).clipNorm(clip).seed(seed.get())
                .maxLength(maxLength).maxPromptTokens(maxPrompt).evalEvery(evalEvery).build();
        DpoPairs.Denoising d = new DpoPairs.Denoising(flipBelow == null ? Double.NaN : flipBelow,
                dropBand == null ? Double.NaN : dropBand[0], dropBand == null ? Double.NaN : dropBand[1], marginFromStrength,
                marginScale, marginMax, smoothingFromStrength, smoothingMax, cdpo ? labelSmoothing : 0);
        List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
        List<PreferencePair> mu = strength == null ? null : PreferenceDataset.load(strength, "auto", false).pairs();
        DpoPairs.Prepared prep = DpoPairs.prepare(pairs, mu, d);
        List<DpoPairs.Item> train = new ArrayList<>(), valid = new ArrayList<>();
        for (DpoPairs.Item i : prep.items()) (Split.unit(i.prompt()) < validFraction ? valid : train).add(i);
        if (train.isEmpty()) throw new IllegalArgumentException(data + ": no training pairs left; lower --valid-fraction or narrow --drop-band");
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("data", data);
        if (strength != null) inputs.put("strength", strength);
        ObjectNode prov = Provenance.of("dpo", spec.commandLine().getParseResult().originalArgs(), inputs, seed.get(), Engines.info());
        CausalLm policy = Policies.load(resume ? out.resolve("resume") : policyDir, device.get());
        Files.createDirectories(out);
        try (policy) {
            System.err.printf(Locale.ROOT, "dpo: %d train / %d valid pairs (%d flipped, %d dropped; mean Δ %.3f, mean ε %.3f), "
                            + "loss %s β %s, policy %s (%,d parameters)%n", train.size(), valid.size(), prep.flipped(), prep.dropped(),
                    prep.meanDelta(), prep.meanEps(), loss, beta, policy.name(), policy.parameters().count());
            DpoTrainer.Result r = new DpoTrainer(policy, cfg).fit(train, valid, out, resume, prov, List.of());
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("loss", loss);
            o.put("beta", beta);
            o.put("denoising", d.toString());
            o.put("pairs", pairs.size());
            o.put("flipped", prep.flipped());
            o.put("dropped", prep.dropped());
            o.put("mean_offset", prep.meanDelta());
            o.put("mean_smoothing", prep.meanEps());
            o.put("train_pairs", train.size());
            o.put("valid_pairs", valid.size());
            o.put("valid_loss", r.validLoss());
            o.put("valid_accuracy", r.validAccuracy());
            o.put("steps", r.steps());
            o.put("seconds", r.seconds());
            o.put("tokens_per_s", r.tokensPerSecond());
            o.put("reference", policyDir.toString());
            o.set("provenance", prov);
            Json.write(out.resolve("dpo.json"), o);
            System.out.printf(Locale.ROOT, "dpo: %d steps in %.0f s (%.0f response tokens/s); validation loss %.4f, implicit-reward "
                    + "accuracy %.3f -> %s%n", r.steps(), r.seconds(), r.tokensPerSecond(), r.validLoss(), r.validAccuracy(),
                    out.toAbsolutePath());
        }
        return Main.OK;
    }
}
