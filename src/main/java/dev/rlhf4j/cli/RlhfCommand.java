package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.RlhfPipeline;
import dev.rlhf4j.rl.SftConfig;
import dev.rlhf4j.synth.NoiseModel;
import dev.rlhf4j.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j rlhf}: rounds of MetaRM and PPO, judged against SFT and vanilla PPO. */
@Command(name = "rlhf", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Iterated RLHF with MetaRM: task -> reward model -> SFT -> vanilla PPO, then --rounds rounds of",
                "{meta set from the current policy -> MetaRM -> PPO}; every policy judged by gold against SFT (and each round",
                "against vanilla PPO) on held-out prompts. Runs on the controlled task unless files are given. Each stage",
                "writes its own directory under --out and is skipped when already done; OUT/rlhf.json holds the tables.",
                "With --lora-r R (default 0: off, every stage as without LoRA) the stages train PEFT LoRA adapters over frozen",
                "bases, as ppo, metarm and train-rm do with --lora-r: the baseline reward model (OUT/rm is a SEQ_CLS adapter,",
                "reward head in full; --rm-train-top-layers does not apply), every PPO's actor (OUT/.../policy/ a CAUSAL_LM",
                "adapter over the SFT policy; each round keeps training the previous round's adapter) and critic",
                "(OUT/.../critic/ a SEQ_CLS adapter, value head in full), and every MetaRM (a fresh adapter over a full",
                "--reward-model, else the reward model's own adapter keeps training). SFT trains its scratch policy in full (a",
                "LoRA over random weights learns nothing). One --lora-targets list applies to every stage; its default is per",
                "family (decoder projections for the policy, query,key,value,dense for a BERT reward model)."})
public final class RlhfCommand implements Callable<Integer> {
    @Option(names = "--rounds", defaultValue = "2", description = "MetaRM rounds after vanilla PPO (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Option(names = "--out", defaultValue = "runs/rlhf", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--pairs", defaultValue = "4000", description = "Controlled task: preference pairs (default: ${DEFAULT-VALUE}).")
    int pairs;
    @Option(names = "--flip-rate", defaultValue = "0.2", description = "Controlled task: share of labels flipped (default: ${DEFAULT-VALUE}).")
    double flipRate;
    @Option(names = "--noise", defaultValue = "uniform", description = "Controlled task: uniform or bias:length|confident|compliance (see synth --help) (default: ${DEFAULT-VALUE}).")
    String noise;
    @Option(names = "--train-prompts", defaultValue = "2000", description = "Controlled task: PPO prompts (default: ${DEFAULT-VALUE}).")
    int trainPrompts;
    @Option(names = "--heldout-prompts", defaultValue = "400", description = "Controlled task: held-out prompts (default: ${DEFAULT-VALUE}).")
    int heldoutPrompts;
    @Option(names = "--sft-demos", defaultValue = "4000", description = "Controlled task: SFT demonstrations (default: ${DEFAULT-VALUE}).")
    int sftDemos;
    @Option(names = "--judge-prompts", defaultValue = "400", description = "Held-out prompts each judgement uses (default: ${DEFAULT-VALUE}).")
    int judgePrompts;
    @Option(names = "--samples-per-prompt", defaultValue = "" + dev.rlhf4j.rl.RlhfPipeline.DEFAULT_JUDGE_SAMPLES,
            description = "k: judged answers of each policy to each prompt, paired by index (default: ${DEFAULT-VALUE}).")
    int judgeSamples;

    @Option(names = "--data", description = "Preference pairs instead of the controlled task's (default: generated).")
    Path data;
    @Option(names = "--reward-model", description = "A trained reward model instead of training the baseline (default: trained).")
    Path rewardModel;
    @Option(names = "--sft", description = "An SFT policy instead of training one (default: trained).")
    Path sft;
    @Option(names = "--prompts", description = "PPO prompts, JSONL with 'prompt' (default: the task's).")
    Path prompts;
    @Option(names = "--heldout", description = "Held-out prompts for judging (default: the task's).")
    Path heldout;
    @Option(names = "--sft-data", description = "SFT demonstrations (default: the task's).")
    Path sftData;

    @Option(names = "--rm-backbone", defaultValue = "minilm", description = "Backbone of the baseline reward model (default: ${DEFAULT-VALUE}).")
    String rmBackbone;
    @Option(names = "--rm-lr", defaultValue = "2e-4", description = "Reward model learning rate (default: ${DEFAULT-VALUE}, as demo).")
    double rmLr;
    @Option(names = "--rm-train-top-layers", defaultValue = "2", description = "Reward model: train only the top K layers (default: ${DEFAULT-VALUE}, as demo; "
            + "with --lora-r every layer is adapted instead).")
    int rmTop;
    @Option(names = "--rm-max-length", defaultValue = "64", description = "Reward model tokens per input (default: ${DEFAULT-VALUE}).")
    int rmMaxLength;

    @Option(names = "--sft-epochs", defaultValue = "3", description = "SFT epochs (default: ${DEFAULT-VALUE}).")
    int sftEpochs;
    @Mixin ScratchShapeOptions policyShape;

    @Mixin PpoOptions ppo;
    @Mixin MetaRmOptions meta;

    /** LoRA in the reward model, PPO (actor and critic) and MetaRM stages; off by default. */
    @Mixin LoraOptions lora;

    @picocli.CommandLine.Mixin DeviceOption device;

    @picocli.CommandLine.Mixin RlThreads threads;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        threads.apply();
        long seed = ppo.seed.get();
        boolean withLora = lora.enabled();
        if (withLora && rmTop > 0 && spec.commandLine().getParseResult().hasMatchedOption("--rm-train-top-layers")) {
            throw new IllegalArgumentException("--rm-train-top-layers and --lora-r do not combine: with LoRA every layer of the "
                    + "reward model is adapted");
        }
        TrainConfig rmTrain = TrainConfig.builder().epochs(1).batchPairs(8).lr(rmLr).seed(seed).dropout(0.0)
                .trainTopLayers(withLora ? 0 : rmTop).build();
        ModelSpec rmModel = new ModelSpec(rmBackbone, null, rmMaxLength, device.get());
        RlhfPipeline.Lora loras = RlhfPipeline.Lora.NONE;
        if (withLora) {
            LoraConfig rmLora = rewardModel == null ? lora.config(LoraConfig.SEQ_CLS, rmModel.decoder()) : null;
            LoraConfig metaLora = rewardModel == null ? rmLora
                    : lora.config(LoraConfig.SEQ_CLS, dev.rlhf4j.model.decoder.DecoderCheckpoint.isDecoder(rewardModel));
            loras = new RlhfPipeline.Lora(rmLora, lora.config(LoraConfig.CAUSAL_LM, true), metaLora);
        }
        SftConfig sc = SftConfig.builder().epochs(sftEpochs).seed(seed).build();
        RlhfPipeline.Config c = new RlhfPipeline.Config(rounds, pairs, flipRate, NoiseModel.of(noise), trainPrompts, heldoutPrompts,
                sftDemos, judgePrompts, seed, rmModel, rmTrain, sc, policyShape.policy(256),
                ppo.config(), meta.config(), data, rewardModel, sft, prompts, heldout, sftData, judgeSamples, loras);
        Map<String, Path> inputs = new LinkedHashMap<>();
        for (Path p : new Path[] {data, rewardModel, prompts, heldout, sftData}) if (p != null && p.toFile().isFile()) inputs.put(p.getFileName().toString(), p);
        ObjectNode prov = Provenance.of("rlhf", spec.commandLine().getParseResult().originalArgs(), inputs, seed, Engines.info());
        if (withLora) {
            ObjectNode lp = prov.putObject("lora");
            if (loras.rewardModel() != null) lp.set("reward_model", loras.rewardModel().toJson());
            lp.set("ppo", loras.ppo().toJson());
            lp.set("metarm", loras.metaRm().toJson());
        }
        ObjectNode s = RlhfPipeline.run(c, out, device.get(), prov);
        System.out.println("policy             vs SFT (win / tie / lose)     vs vanilla PPO");
        for (JsonNode r : s.path("rounds")) {
            System.out.printf(Locale.ROOT, "%-18s %-29s %s%n", r.path("name").asText(), tally(r.path("vs_sft")),
                    r.has("vs_vanilla_ppo") ? tally(r.path("vs_vanilla_ppo")) : "-");
        }
        System.out.printf(Locale.ROOT, "rlhf: %d round(s) in %.0f s -> %s%n", rounds, s.path("seconds").asDouble(), out.resolve("rlhf.json").toAbsolutePath());
        return Main.OK;
    }

    private static String tally(JsonNode t) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", 100 * t.path("win").asDouble(), 100 * t.path("tie").asDouble(),
                100 * t.path("lose").asDouble());
    }
}
