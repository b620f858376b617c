package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.train.MetaStep;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.RewardTrainer;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.optim.OptimConfig;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainResult;
import dev.rlhf4j.train.checkpoint.CheckpointListener;
import dev.rlhf4j.train.loss.BradleyTerryLoss;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MetaRM (METHODS.md §5, Algorithm 1): continue training a reward model on the preference data with the baseline
 * loss, where every step first moves the weights up the difference loss on responses sampled from the current
 * policy (see {@link MetaStep}), so the model stays discriminative on the policy's shifted distribution.
 */
public final class MetaRm {
    private MetaRm() {}

    /**
     * MetaRM's settings (the paper leaves η, α, n, m, k and the number of steps open; these are ours).
     *
     * @param eta            meta step size η (1e-2)
     * @param metaGroups     m: meta groups per step (4)
     * @param batchPairs     n: preference pairs per step (8)
     * @param k              responses per meta prompt (4)
     * @param steps          optimizer steps (150)
     * @param optim          AdamW of the reward loss, its learning rate α (1e-4; betas and ε as train-rm's)
     * @param trainTopLayers train only the top K layers (2; 0 = all)
     * @param metaPrompts    prompts in the meta set (64)
     * @param temperature    sampling temperature of the meta set when {@code sampling} is {@code meta} (1.0)
     * @param maxNewTokens   tokens per sampled response when {@code sampling} is {@code meta} (48)
     * @param seed           seed of sampling, pair order and group draws (42)
     * @param ascentNorm     R &gt; 0: normalised ascent, ‖Δθ‖ = R·‖θ‖ over the trainable weights (η unused); 0: plain
     *                       ascent Δθ = η∇J (0)
     * @param sampling       how the meta set is sampled: {@code ppo} (PPO's temperature, top-p, repetition penalty and
     *                       max new tokens, so the RM adapts to what PPO will show it) or {@code meta} (this config's
     *                       temperature and max new tokens, top-p 1, no repetition penalty) ({@code ppo})
     */
    public record Config(double eta, int metaGroups, int batchPairs, int k, int steps, OptimConfig optim, int trainTopLayers,
                         int metaPrompts, double temperature, int maxNewTokens, long seed, double ascentNorm, String sampling) {
        public static final String SAMPLING_PPO = "ppo", SAMPLING_META = "meta";

        public Config {
            if (eta < 0 || ascentNorm < 0) throw new IllegalArgumentException("--meta-eta and --meta-ascent-norm must be ≥ 0");
            if (!sampling.equals(SAMPLING_PPO) && !sampling.equals(SAMPLING_META)) {
                throw new IllegalArgumentException("--meta-sampling must be ppo or meta, got " + sampling);
            }
        }

        /** Plain ascent with η, the meta set sampled with PPO's settings. */
        public Config(double eta, int metaGroups, int batchPairs, int k, int steps, OptimConfig optim, int trainTopLayers,
                      int metaPrompts, double temperature, int maxNewTokens, long seed) {
            this(eta, metaGroups, batchPairs, k, steps, optim, trainTopLayers, metaPrompts, temperature, maxNewTokens, seed, 0,
                    SAMPLING_PPO);
        }

        public static Config defaults() {
            return new Config(1e-2, 4, 8, 4, 150, OptimConfig.adamW(1e-4, OptimConfig.EPS_REWARD_MODEL), 2, 64, 1.0, 48, 42, 0, SAMPLING_PPO);
        }

        /** This config with {@code seed}. */
        public Config withSeed(long s) {
            return new Config(eta, metaGroups, batchPairs, k, steps, optim, trainTopLayers, metaPrompts, temperature, maxNewTokens, s,
                    ascentNorm, sampling);
        }

        /** The meta set's sampling: PPO's ({@code ppo}) or this config's own ({@code meta}), from this config's seed. */
        public GenerationConfig generation(PpoConfig ppo) {
            return sampling.equals(SAMPLING_PPO) ? ppo.sampling(seed)
                    : new GenerationConfig(maxNewTokens, false, temperature, 0, 1.0, 1.0, List.of(), true, true, seed);
        }
    }

    /** k responses to each prompt from {@code policy}, with PPO's default sampling or the meta settings (see {@link Config}). */
    public static List<MetaStep.Group> sampleMetaSet(Path policy, List<String> prompts, Config c, int maxPromptTokens, Device device) {
        return sampleMetaSet(policy, prompts, c, PpoConfig.defaults(), maxPromptTokens, device);
    }

    /** k responses to each prompt from {@code policy}, sampled as {@code ppo} samples its rollouts when {@code c.sampling()} is {@code ppo}. */
    public static List<MetaStep.Group> sampleMetaSet(Path policy, List<String> prompts, Config c, PpoConfig ppo, int maxPromptTokens,
                                                     Device device) {
        List<String> rows = new ArrayList<>();
        for (String p : prompts) for (int i = 0; i < c.k(); i++) rows.add(p);
        GenerationConfig gen = c.generation(ppo);
        List<String> responses = Judging.respond(policy, rows, gen, maxPromptTokens, device);
        List<MetaStep.Group> out = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            out.add(new MetaStep.Group(List.of(Turn.user(prompts.get(i))), responses.subList(i * c.k(), (i + 1) * c.k())));
        }
        return out;
    }

    /** Writes the meta set as JSONL: {@code {"prompt", "responses": [...]}}. */
    public static void writeMetaSet(List<MetaStep.Group> groups, Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (MetaStep.Group g : groups) {
                ObjectNode o = Json.MAPPER.createObjectNode();
                o.put("prompt", g.context().get(g.context().size() - 1).content());
                var arr = o.putArray("responses");
                g.responses().forEach(arr::add);
                w.write(Json.MAPPER.writeValueAsString(o));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Trains from the reward model in {@code rmIn} and saves the result to {@code out} (best on {@code valid}, if any). */
    public static TrainResult train(Path rmIn, Path out, List<PreferencePair> train, List<PreferencePair> valid,
                                    List<MetaStep.Group> meta, Config c, Device device, ObjectNode provenance) {
        return train(rmIn, out, train, valid, meta, c, null, device, provenance);
    }

    /**
     * {@link #train(Path, Path, List, List, List, Config, Device, ObjectNode)} with LoRA: when {@code lora} is set, a
     * fresh adapter over the frozen reward model in {@code rmIn} (its {@code base_model_name_or_path}) trains with the
     * reward head in full, every layer adapted ({@link Config#trainTopLayers()} does not apply), and {@code out} is a
     * PEFT SEQ_CLS adapter directory. A reward model that is an adapter already keeps training its adapter.
     */
    public static TrainResult train(Path rmIn, Path out, List<PreferencePair> train, List<PreferencePair> valid,
                                    List<MetaStep.Group> meta, Config c, LoraConfig lora, Device device, ObjectNode provenance) {
        RewardModel loaded = RewardModels.load(rmIn, device);
        boolean adapted = loaded.adapter() != null || lora != null;
        TrainConfig tc = TrainConfig.builder().epochs(1000).batchPairs(c.batchPairs()).optim(c.optim()).seed(c.seed())
                .evalEvery(Math.max(1, c.steps() / 3)).maxSteps(c.steps()).dropout(0.0).trainTopLayers(adapted ? 0 : c.trainTopLayers()).build();
        if (lora != null && loaded.adapter() == null) { // closes the model if the adapter cannot be attached
            loaded = Adapters.attachNew(loaded, lora.withBaseModel(rmIn.toAbsolutePath().normalize().toString()), c.seed());
        }
        try (RewardModel rm = loaded) {
            Files.createDirectories(out);
            List<TrainListener> ls = new ArrayList<>();
            ls.add(new ProgressListener(System.err, "metarm", 10));
            ls.add(new MetricsFile(out.resolve(MetricsFile.NAME)));
            ls.add(new CheckpointListener(out, provenance, !valid.isEmpty(), rm));
            RewardTrainer t = new RewardTrainer(rm, tc, new BradleyTerryLoss(), 1.0, ls)
                    .withMetaStep(new MetaStep(c.eta(), c.ascentNorm(), c.metaGroups(), meta, c.seed()));
            return t.fit(train, valid, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
