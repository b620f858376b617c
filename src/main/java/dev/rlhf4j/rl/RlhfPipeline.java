package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.synth.NoiseModel;
import dev.rlhf4j.synth.RlSets;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import dev.rlhf4j.train.MetaStep;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.loss.BradleyTerryLoss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Iterated RLHF on the controlled task (or on given files): task → reward model → SFT → vanilla PPO, then N rounds
 * of {sample a meta set from the current policy → MetaRM → PPO from the current policy against the MetaRM}. Each
 * round's policy is judged by gold against SFT and against vanilla PPO (the paper's Tables 2 and 3). Every stage
 * writes its own directory and is skipped when its output already exists, so an interrupted run continues.
 */
public final class RlhfPipeline {
    private RlhfPipeline() {}

    /** Everything the pipeline needs; null files mean "make them" (the controlled task, a baseline RM, an SFT policy). */
    public record Config(int rounds, int pairs, double flipRate, NoiseModel noise, int trainPrompts, int heldoutPrompts,
                         int sftDemos, int judgePrompts, long seed, ModelSpec rmModel, TrainConfig rmTrain, SftConfig sft,
                         Policies.Shape shape, PpoConfig ppo, MetaRm.Config meta, Path pairsFile, Path rewardModel, Path sftPolicy,
                         Path trainPromptsFile, Path heldoutPromptsFile, Path sftData, int judgeSamples, Lora lora) {}

    /**
     * LoRA in the pipeline's stages; null members train every weight as without LoRA. The scratch SFT policy trains in
     * full (a LoRA over random weights would learn nothing useful), so every PPO actor adapts the SFT checkpoint.
     *
     * @param rewardModel the baseline reward model's adapter (SEQ_CLS; {@code rmModel}'s backbone stays frozen, the
     *                    reward head trains in full; OUT/rm is a PEFT adapter directory)
     * @param ppo         each PPO's actor (a CAUSAL_LM adapter over the SFT policy; a later round keeps training the
     *                    previous round's adapter) and critic (a SEQ_CLS adapter, value head in full; OUT/…/critic)
     * @param metaRm      each MetaRM: a fresh adapter over a full reward model, or the reward model's own adapter kept
     *                    training when it is one (the LoRA baseline, the previous round's MetaRM)
     */
    public record Lora(LoraConfig rewardModel, LoraConfig ppo, LoraConfig metaRm) {
        public static final Lora NONE = new Lora(null, null, null);
    }

    /** k: judged answers per prompt per policy; one answer left about ±12 points on win − lose (README). */
    public static final int DEFAULT_JUDGE_SAMPLES = 4;

    public static ObjectNode run(Config c, Path out, Device device, ObjectNode provenance) {
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        // ---- the task ----
        Path task = out.resolve("task");
        Path pairsFile = c.pairsFile() != null ? c.pairsFile() : task.resolve("pairs.jsonl");
        if (c.pairsFile() == null && !Files.exists(pairsFile)) {
            stage("task: " + c.pairs() + " pairs (" + c.noise().id() + " flips " + c.flipRate() + "), RL prompt sets, SFT demonstrations");
            SyntheticTask.write(SyntheticTask.generate(new SynthConfig(c.pairs(), c.flipRate(), SynthConfig.DEFAULT_TEMPERATURE,
                    c.seed(), List.of(), c.noise())), pairsFile);
            RlSets.write(RlSets.generate(c.trainPrompts(), c.heldoutPrompts(), c.sftDemos(), c.seed()), task);
        }
        Path trainPrompts = c.trainPromptsFile() != null ? c.trainPromptsFile() : task.resolve(RlSets.TRAIN_PROMPTS);
        Path heldout = c.heldoutPromptsFile() != null ? c.heldoutPromptsFile() : task.resolve(RlSets.HELDOUT_PROMPTS);
        Path sftData = c.sftData() != null ? c.sftData() : task.resolve(RlSets.SFT);

        // ---- reward model ----
        List<PreferencePair> all = PreferenceDataset.load(pairsFile).pairs();
        Split split = Split.byHash(all, 0.05);
        Path rm = c.rewardModel() != null ? c.rewardModel() : out.resolve("rm");
        if (c.rewardModel() == null && !saved(rm)) {
            stage("reward model: " + c.rmModel().backbone() + " on " + split.train().size() + " pairs");
            TrainJob job = new TrainJob(c.lora().rewardModel() == null ? c.rmModel() : c.rmModel().withLora(c.lora().rewardModel()), c.rmTrain(), new BradleyTerryLoss(), 1.0, rm, provenance, System.err, "rm");
            try (RewardModel m = job.run(split.train(), split.valid(), false).model()) {
                // saved by the checkpoint listener
            }
        }

        // ---- SFT ----
        List<Demonstrations.Example> demos = Demonstrations.read(sftData);
        List<Demonstrations.Example> sftTrain = new ArrayList<>(), sftValid = new ArrayList<>();
        for (Demonstrations.Example e : demos) (Split.unit(e.prompt()) < 0.05 ? sftValid : sftTrain).add(e);
        Path sft = c.sftPolicy() != null ? c.sftPolicy() : out.resolve("sft");
        if (c.sftPolicy() == null && !Files.isRegularFile(sft.resolve("config.json"))) {
            stage("SFT: " + sftTrain.size() + " demonstrations");
            try (CausalLm p = Policies.scratch(c.shape(), sftTrain, device, c.seed())) {
                SftTrainer.Result r = new SftTrainer(p, c.sft()).fit(sftTrain, sftValid, sft, false, provenance);
                System.err.printf(Locale.ROOT, "sft: validation perplexity %.3f (%.0f s)%n", r.validPerplexity(), r.seconds());
            }
        }
        List<Demonstrations.Example> pplSet = sftValid.subList(0, Math.min(64, sftValid.size()));

        List<String> prompts = Demonstrations.promptTexts(heldout);
        List<String> judgeOn = prompts.subList(0, Math.min(c.judgePrompts(), prompts.size()));
        GenerationConfig judgeGen = c.ppo().sampling(c.seed() + 7);

        // ---- vanilla PPO ----
        Path vanilla = out.resolve("ppo-vanilla");
        ppo(sft, rm.toString(), trainPrompts, pplSet, c.ppo(), c.lora().ppo(), vanilla, device, provenance, "vanilla PPO");
        ObjectNode summary = Json.MAPPER.createObjectNode();
        ArrayNode rounds = summary.putArray("rounds");
        ObjectNode v = judge(vanilla, sft, judgeOn, judgeGen, c, vanilla.resolve("judge-vs-sft"), device, provenance);
        ObjectNode vr = rounds.addObject();
        vr.put("round", 0);
        vr.put("name", "vanilla PPO");
        vr.set("vs_sft", brief(v));

        // ---- MetaRM rounds ----
        Path policy = sft, metaIn = rm;
        for (int r = 1; r <= c.rounds(); r++) {
            Path dir = out.resolve("round-" + r);
            Path metarm = dir.resolve("metarm");
            if (!saved(metarm)) {
                stage("round " + r + ": meta set from " + policy);
                List<String> trainP = Demonstrations.promptTexts(trainPrompts);
                List<String> metaPrompts = PpoTrainer.batchPrompts(trainP, r, c.meta().metaPrompts(), c.seed() + 1000L * r);
                MetaRm.Config mc = c.meta().withSeed(c.meta().seed() + r);
                List<MetaStep.Group> meta = MetaRm.sampleMetaSet(policy, metaPrompts, mc, c.ppo(), c.ppo().maxPromptTokens(), device);
                try {
                    Files.createDirectories(dir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                MetaRm.writeMetaSet(meta, dir.resolve("meta_set.jsonl"));
                stage("round " + r + ": MetaRM from " + metaIn);
                MetaRm.train(metaIn, metarm, split.train(), split.valid(), meta, mc, c.lora().metaRm(), device, provenance);
            }
            Path ppoDir = dir.resolve("ppo");
            ppo(policy, metarm.toString(), trainPrompts, pplSet, c.ppo().toBuilder().seed(c.ppo().seed() + r).build(), c.lora().ppo(), ppoDir,
                    device, provenance, "round " + r + " PPO");
            ObjectNode vsSft = judge(ppoDir, sft, judgeOn, judgeGen, c, dir.resolve("judge-vs-sft"), device, provenance);
            ObjectNode vsVan = judge(ppoDir, vanilla, judgeOn, judgeGen, c, dir.resolve("judge-vs-vanilla"), device, provenance);
            ObjectNode rr = rounds.addObject();
            rr.put("round", r);
            rr.put("name", "MetaRM round " + r);
            rr.set("vs_sft", brief(vsSft));
            rr.set("vs_vanilla_ppo", brief(vsVan));
            policy = ppoDir.resolve("policy");
            metaIn = metarm;
        }
        summary.put("seconds", (System.nanoTime() - t0) / 1e9);
        summary.put("judge_prompts", judgeOn.size());
        summary.set("provenance", provenance);
        Json.write(out.resolve("rlhf.json"), summary);
        return summary;
    }

    /** Whether a reward model was saved in {@code dir}: a checkpoint ({@code config.json}) or a PEFT adapter directory. */
    private static boolean saved(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) || Adapters.isAdapter(dir);
    }

    private static void ppo(Path policy, String rm, Path prompts, List<Demonstrations.Example> ppl, PpoConfig cfg, LoraConfig lora, Path out,
                            Device device, ObjectNode provenance, String label) {
        if (Files.isRegularFile(out.resolve("ppo.json"))) return;
        stage(label + " against " + rm);
        boolean resume = dev.rlhf4j.train.checkpoint.ResumeState.exists(out);
        Path pplFile = out.resolve("ppl_set.jsonl");
        try {
            Files.createDirectories(out);
            List<String> lines = new ArrayList<>();
            for (Demonstrations.Example e : ppl) lines.add(Json.MAPPER.writeValueAsString(e.record()));
            Files.write(pplFile, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (lora == null) PpoRun.run(policy, rm, prompts, pplFile, true, cfg, out, resume, device, provenance);
        else PpoRun.run(policy, rm, prompts, pplFile, true, cfg, new PpoRun.Lora(null, null, lora), out, resume, device, provenance);
    }

    private static ObjectNode judge(Path a, Path b, List<String> prompts, GenerationConfig gen, Config c, Path dir, Device device,
                                    ObjectNode provenance) {
        if (Files.isRegularFile(dir.resolve("judge.json"))) return (ObjectNode) dev.rlhf4j.data.Json.read(dir.resolve("judge.json"));
        try (GoldJudge j = new GoldJudge(0)) {
            ObjectNode r = Judging.run(a, b, prompts, j, gen, c.ppo().maxPromptTokens(), device, dir, provenance,
                    new Judging.Settings(c.judgeSamples(), dev.rlhf4j.eval.stats.ClusterBootstrap.DEFAULT_RESAMPLES, gen.seed()));
            System.err.printf(Locale.ROOT, "judge %s vs %s: %s%n", a.getFileName(), b.getFileName(),
                    new Judging.Tally(r.path("win_count").asInt(), r.path("tie_count").asInt(), r.path("lose_count").asInt()));
            return r;
        }
    }

    private static ObjectNode brief(ObjectNode j) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        for (String k : new String[] {"win", "tie", "lose", "win_count", "tie_count", "lose_count", "n", "mean_score_a", "mean_score_b"}) {
            o.set(k, j.get(k));
        }
        return o;
    }

    private static void stage(String s) {
        System.err.println("== rlhf: " + s);
    }
}
