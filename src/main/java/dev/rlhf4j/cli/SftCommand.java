package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.Demonstrations;
import dev.rlhf4j.rl.Policies;
import dev.rlhf4j.rl.SftConfig;
import dev.rlhf4j.rl.SftTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j sft}: supervised fine-tuning of a decoder policy on demonstrations. */
@Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Supervised fine-tuning of a decoder policy: causal-LM loss on the response tokens only.",
                "Writes OUT (a Hugging Face *ForCausalLM directory), OUT/metrics.jsonl, OUT/resume/ and OUT/sft.json."})
public final class SftCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Demonstrations: JSONL with 'prompt' and 'response' (or 'chosen').")
    Path data;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--init", defaultValue = "scratch",
            description = "'scratch' (a small random Llama shape) or a decoder checkpoint: HF directory or llama2.c .bin (default: ${DEFAULT-VALUE}).")
    String init;

    @picocli.CommandLine.Mixin ScratchShapeOptions shape;

    @Option(names = "--epochs", defaultValue = SftConfig.Defaults.EPOCHS, description = "Passes over the data (default: ${DEFAULT-VALUE}).")
    int epochs;
    @Option(names = "--batch-size", defaultValue = SftConfig.Defaults.BATCH_SIZE, description = "Sequences per step (default: ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--lr", defaultValue = SftConfig.Defaults.LR, description = "Peak learning rate; about 2e-5 for a pretrained checkpoint (default: ${DEFAULT-VALUE}).")
    double lr;
    @Option(names = "--warmup-ratio", defaultValue = SftConfig.Defaults.WARMUP_RATIO, description = "Share of steps warming up (default: ${DEFAULT-VALUE}).")
    double warmup;
    @Option(names = "--schedule", defaultValue = SftConfig.Defaults.SCHEDULE, description = "linear, cosine or constant (default: ${DEFAULT-VALUE}).")
    String schedule;
    @picocli.CommandLine.Mixin OptimizerOptions optimizer = OptimizerOptions.policy(dev.rlhf4j.train.optim.OptimConfig.WEIGHT_DECAY_SFT);
    @Option(names = "--clip", defaultValue = SftConfig.Defaults.CLIP_NORM, description = "Gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;
    @Option(names = "--max-length", defaultValue = SftConfig.Defaults.MAX_LENGTH, description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
    int maxLength;
    @Option(names = "--max-prompt-tokens", defaultValue = SftConfig.Defaults.MAX_PROMPT_TOKENS, description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;
    @Option(names = "--packing", description = "Pack several examples per row of --max-length instead of padding (default: padded, length-grouped).")
    boolean packing;
    @Option(names = "--eval-every", defaultValue = SftConfig.Defaults.EVAL_EVERY, description = "Steps between validations and checkpoints, 0 = each epoch (default: ${DEFAULT-VALUE}).")
    int evalEvery;
    @Option(names = "--valid-fraction", defaultValue = "0.05", description = "Share of prompts held out for perplexity, by prompt hash (default: ${DEFAULT-VALUE}).")
    double validFraction;
    @picocli.CommandLine.Mixin SeedOption seed;
    @picocli.CommandLine.Mixin LoraOptions loraOptions;
    @picocli.CommandLine.Mixin RecomputeOption recompute;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint (default: start afresh).")
    boolean resume;
    @picocli.CommandLine.Mixin DeviceOption device;

    @picocli.CommandLine.Mixin RlThreads threads;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        SftConfig cfg = SftConfig.builder().epochs(epochs).batchSize(batch).optim(optimizer.config(lr)).warmupRatio(warmup)
                .schedule(schedule).clipNorm(clip).seed(seed.get()).maxLength(maxLength).maxPromptTokens(maxPrompt).packing(packing)
                .evalEvery(evalEvery).recompute(recompute.get()).build();
        List<Demonstrations.Example> all = Demonstrations.read(data);
        List<Demonstrations.Example> train = new ArrayList<>(), valid = new ArrayList<>();
        for (Demonstrations.Example e : all) (Split.unit(e.prompt()) < validFraction ? valid : train).add(e);
        if (train.isEmpty()) throw new IllegalArgumentException(data + ": every prompt fell into the validation share; lower --valid-fraction");
        ObjectNode prov = Provenance.of("sft", spec.commandLine().getParseResult().originalArgs(), Map.of("data", data), seed.get(), Engines.info());
        CausalLm policy;
        if (resume) {
            policy = Policies.load(out.resolve("resume"), device.get());
        } else if (init.equals("scratch")) {
            policy = Policies.scratch(shape.policy(Math.max(256, maxLength)),
                    train, device.get(), seed.get());
        } else {
            policy = Policies.load(Path.of(init), device.get());
        }
        dev.rlhf4j.model.lora.LoraConfig lora = loraOptions.config(dev.rlhf4j.model.lora.LoraConfig.CAUSAL_LM, true);
        if (lora != null && !resume) {
            if (init.equals("scratch")) throw new IllegalArgumentException("LoRA (--lora-r) needs a pretrained --init policy, not scratch");
            prov.set("lora", lora.toJson());
            dev.rlhf4j.model.lora.Adapters.attachNew(policy, lora, seed.get());
        }
        java.nio.file.Files.createDirectories(out);
        try (policy) {
            System.err.printf(Locale.ROOT, "sft: %d train / %d valid demonstrations, policy %s (%,d parameters, vocabulary %d)%n",
                    train.size(), valid.size(), policy.name(), policy.parameters().count(), policy.config().vocabSize());
            SftTrainer.Result r = new SftTrainer(policy, cfg).fit(train, valid, out, resume, prov);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("valid_ppl_before", r.firstValidPerplexity());
            o.put("valid_ppl", r.validPerplexity());
            o.put("steps", r.steps());
            o.put("seconds", r.seconds());
            o.put("tokens_per_s", r.tokensPerSecond());
            o.put("train_examples", train.size());
            o.put("valid_examples", valid.size());
            o.set("provenance", prov);
            Json.write(out.resolve("sft.json"), o);
            System.out.printf(Locale.ROOT, "sft: %d steps in %.0f s (%.0f response tokens/s); validation perplexity %.3f (before %.3f) -> %s%n",
                    r.steps(), r.seconds(), r.tokensPerSecond(), r.validPerplexity(), r.firstValidPerplexity(), out.toAbsolutePath());
        }
        return Main.OK;
    }
}
