package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.Demonstrations;
import dev.rlhf4j.rl.MetaRm;
import dev.rlhf4j.rl.PpoTrainer;
import dev.rlhf4j.train.MetaStep;
import dev.rlhf4j.train.TrainResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j metarm}: adapt a reward model to a policy's distribution (MetaRM). */
@Command(name = "metarm", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"MetaRM (the paper's Algorithm 1): continue training a reward model on preference pairs where every step",
                "first ascends the difference loss on k responses per prompt sampled from the policy. Writes OUT (the reward",
                "model), OUT/meta_set.jsonl and OUT/metrics.jsonl (each step also: J before and after the ascent, the ascent's",
                "norm, the weights' and the AdamW step's: meta_j_before, meta_j_after, meta_ascent_to_weight, meta_ascent_to_adamw).",
                "With --lora-r, OUT is a PEFT SEQ_CLS adapter over --reward-model (every layer adapted, the reward head in full;",
                "--meta-train-top-layers does not apply)."})
public final class MetaRmCommand implements Callable<Integer> {
    @Option(names = "--reward-model", required = true, description = "The reward model to start from.")
    Path rm;
    @Option(names = "--data", required = true, description = "Preference pairs (any format train-rm reads).")
    Path data;
    @Option(names = "--policy", required = true, description = "The current policy (decoder directory or a PPO run).")
    Path policy;
    @Option(names = "--prompts", required = true, description = "Prompts to sample the meta set from: JSONL with 'prompt'.")
    Path prompts;
    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;
    @Option(names = "--valid-fraction", defaultValue = "0.05", description = "Share of pairs held out, by prompt hash (default: ${DEFAULT-VALUE}).")
    double validFraction;
    @Option(names = "--max-prompt-tokens", defaultValue = "64", description = "Prompt tokens the policy keeps (default: ${DEFAULT-VALUE}).")
    int maxPrompt;
    @Mixin MetaRmOptions meta;
    @Mixin OptimizerOptions optimizer = OptimizerOptions.rewardModel();
    /** LoRA over the frozen --reward-model (OUT is then a PEFT SEQ_CLS adapter; the reward head trains in full). */
    @Mixin LoraOptions lora;
    @picocli.CommandLine.Mixin DeviceOption device;

    @picocli.CommandLine.Mixin RlThreads threads;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        MetaRm.Config c = meta.config(optimizer);
        List<PreferencePair> all = PreferenceDataset.load(data).pairs();
        Split split = Split.byHash(all, validFraction);
        List<String> ps = Demonstrations.promptTexts(prompts);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("data", data);
        inputs.put("prompts", prompts);
        ObjectNode prov = Provenance.of("metarm", spec.commandLine().getParseResult().originalArgs(), inputs, c.seed(), Engines.info());
        Files.createDirectories(out);
        List<MetaStep.Group> set = MetaRm.sampleMetaSet(policy, PpoTrainer.batchPromptsOf(ps, c.metaPrompts(), c.seed()), c, maxPrompt,
                device.get());
        MetaRm.writeMetaSet(set, out.resolve("meta_set.jsonl"));
        dev.rlhf4j.model.lora.LoraConfig l = lora.config(dev.rlhf4j.model.lora.LoraConfig.SEQ_CLS,
                dev.rlhf4j.model.decoder.DecoderCheckpoint.isDecoder(rm));
        if (l != null) prov.set("lora", l.toJson());
        TrainResult r = MetaRm.train(rm, out, split.train(), split.valid(), set, c, l, device.get(), prov);
        System.out.printf("metarm: %d steps; validation accuracy %.4f -> %s%n", r.state().optimizerSteps(),
                r.best() != null ? r.best().accuracy() : Double.NaN, out.toAbsolutePath());
        return Main.OK;
    }
}
