package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.eval.stats.BestOfN;
import dev.rlhf4j.eval.stats.ClusterBootstrap;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.synth.RlSets;
import dev.rlhf4j.train.MetaStep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Controlled arms over many seeds (issue 23): what a method changes, measured against the spread of the PPO seed.
 *
 * <p><b>Fixed across seeds</b>: the task (prompts, SFT demonstrations, preference pairs), the SFT policy and the reward
 * models (baseline; Flip + Margin, denoised with preference strength as {@code demo} does). They are the things being
 * compared, so every seed must compare the same ones; retraining them per seed would mix RM-training noise into every
 * figure and multiply the cost. <b>Varying per seed s</b>: PPO's seed (rollout sampling and prompt order), MetaRM's
 * meta set, pair order and group draws, and the judging samples: the noise a user meets when rerunning a method.
 *
 * <p>Per seed s: PPO(baseline RM, s); PPO(baseline RM, s + {@link #AA_OFFSET}), the A/A arm; PPO(Flip + Margin RM, s);
 * MetaRM round 1 from the baseline RM on a meta set sampled from PPO(baseline, s)'s policy, and its η = 0 control
 * (the same code path, data, steps, schedule and checkpoint selection); then PPO from PPO(baseline, s)'s policy with
 * seed s + 1 and the same budget against each. Judged by gold with k paired samples per prompt; reward-model accuracy
 * on the policies' own samples ({@link RmOnPolicy}). Best-of-n curves of the two RMs from SFT once (they do not
 * depend on the PPO seed). With {@code rounds} R ≥ 2, MetaRM rounds 2..R against their η = 0 control and iterated vanilla
 * PPO of the same rounds and budget ({@link ExperimentRounds}).  * The further arms (the contrastive RM,
 * chosen on validation pairs and shared like the other RMs; PPO at β = 0 per RM) live in {@link ExperimentArms}, in
 * files of their own, so a directory made without them resumes with only them to run. Writes {@code claims.json} and
 * {@code claims.md}.
 *
 * <p>Each stage writes its own directory and is skipped when its output exists, so an interrupted run continues.
 */
public final class Experiment {
    private Experiment() {}

    /**
     * The experiment's defaults. Its PPO settings differ from {@code ppo}'s: 20 iterations, actor lr 5e-5, critic lr 1e-4
     * and β 0.1 were chosen by the A/A calibration (README, "A/A calibration of PPO's run-to-run spread"): the setting
     * with the narrowest A/A interval on prompts the claims are not judged on, among those whose full run fits 2 hours on
     * 2 cores. 8 seeds: that setting's A/A spread over 12 calibration seeds (SD 5.6 win − lose points) gives a 95% t
     * half-width of about 4.7 points at 8 seeds (5.9 at 6).
     */
    public static final class Defaults {
        private Defaults() {}

        public static final String ITERATIONS = "20", ACTOR_LR = "5e-5", CRITIC_LR = "1e-4", KL_BETA = "0.1";
        public static final String SEEDS = "8", FIRST_SEED = "1", TRAIN_PROMPTS = "2000", HELDOUT_PROMPTS = "400",
                SFT_DEMOS = "4000", SFT_EPOCHS = "3", JUDGE_PROMPTS = "400", JUDGE_SAMPLES = "4", ON_POLICY_PROMPTS = "100",
                ON_POLICY_SAMPLES = "8", BON_PROMPTS = "100", BON_MAX = "64", RM_PAIRS = "4000", RM_TEST_PAIRS = "2000",
                RM_VALID_PAIRS = "300", RM_MEMBERS = "5", FLIP_RATE = "0.2", ROUNDS = "2";
    }

    /** The A/A arm's PPO seed is s + this. */
    public static final long AA_OFFSET = 1000;

    /** Trains the fixed reward models into a directory (see {@link #run}). */
    @FunctionalInterface
    public interface RewardModelStage {
        void train(Path dir) throws IOException;
    }

    /** Where {@link RewardModelStage} leaves its outputs. */
    public static final String BASELINE_RM = "baseline-rm", DENOISED_RM = "flip-margin-rm", RM_TRAIN = "train.jsonl",
            RM_VALID = "valid.jsonl", RM_DONE = "summary.json";

    /**
     * @param seeds           N seeds: firstSeed, firstSeed + 1, …
     * @param parallel        seeds run side by side
     * @param taskSeed        seed of the task, SFT and RMs (fixed across seeds)
     * @param judgePrompts    held-out rows each judgement uses (distinct prompts are what the bootstrap resamples)
     * @param judgeSamples    k answers per prompt per policy in judging
     * @param onPolicyPrompts distinct held-out prompts for reward-model accuracy on policy samples
     * @param onPolicySamples answers per prompt there (pairs are within a prompt)
     * @param bonPrompts      distinct held-out prompts of the best-of-n curves
     * @param bonMax          N of the best-of-n curves
     * @param rounds          MetaRM rounds (and iterated vanilla PPO rounds when ≥ 2; see {@link ExperimentRounds})
     */
    public record Config(int seeds, long firstSeed, int parallel, long taskSeed, int trainPrompts, int heldoutPrompts, int sftDemos,
                         SftConfig sft, Policies.Shape shape, PpoConfig ppo, MetaRm.Config meta, int judgePrompts, int judgeSamples,
                         int onPolicyPrompts, int onPolicySamples, int bonPrompts, int bonMax, int bootstrap, long bootstrapSeed, int rounds) {
        public Config {
            if (seeds < 1) throw new IllegalArgumentException("--seeds must be ≥ 1, got " + seeds);
            if (parallel < 1) throw new IllegalArgumentException("--parallel must be ≥ 1, got " + parallel);
            if (onPolicySamples < 2) throw new IllegalArgumentException("on-policy samples must be ≥ 2 to form pairs, got " + onPolicySamples);
            if (rounds < 1) throw new IllegalArgumentException("--rounds must be ≥ 1, got " + rounds);
        }

        public long seed(int i) {
            return firstSeed + i;
        }
    }

    /** The fixed inputs every seed shares. */
    record Shared(Path sft, Path baselineRm, Path denoisedRm, Path trainPrompts, List<String> heldout, Path pplFile,
                          List<PreferencePair> rmTrain, List<PreferencePair> rmValid) {}

    /** Runs one seed's arms in a process of its own and returns its {@code seed.json} (see {@link #runSeed}). */
    @FunctionalInterface
    public interface SeedRunner {
        ObjectNode run(long seed) throws Exception;
    }

    /**
     * The shared stages, then every seed, then {@code claims.json}. With {@code seedRunner} null, seeds run one after
     * the other in this process; otherwise {@code parallel} of them at a time through the runner. DJL's autograd is
     * not safe to drive from two threads of one process (its gradient collector is process-wide), so side by side
     * means separate processes. {@code arms}: the further arms of {@link ExperimentArms} ({@code contrastiveModels}
     * trains the contrastive candidates).
     */
    public static ObjectNode run(Config c, ExperimentArms.Settings arms, Path out, Device device, ObjectNode provenance, RewardModelStage rewardModels,
                                 ContrastiveArm.Trainer contrastiveModels, SeedRunner seedRunner) {
        long t0 = System.nanoTime();
        Map<String, Double> times = new LinkedHashMap<>();
        Shared sh = shared(c, out, device, provenance, rewardModels, times);
        ExperimentArms.shared(c, arms, sh, out, contrastiveModels, device, provenance, times);
        return seedsAndClaims(c, arms, sh, out, device, provenance, seedRunner, times, t0);
    }

    /**
     * One seed's arms, with the further arms of {@link ExperimentArms}, in this process, the shared stages (theirs too)
     * having run (the child process of a {@link SeedRunner}).
     */
    public static ObjectNode runSeed(Config c, ExperimentArms.Settings arms, Path out, long seed, Device device, ObjectNode provenance) {
        if (!Files.isRegularFile(out.resolve("rms").resolve(RM_DONE)) || !Files.isRegularFile(out.resolve("bon").resolve("bon.json"))) {
            throw new IllegalStateException("the shared stages of " + out + " have not run: run the experiment without --only-seed first");
        }
        Shared sh = shared(c, out, device, provenance, dir -> {
            throw new IllegalStateException("reward models missing in " + dir);
        }, new LinkedHashMap<>());
        ObjectNode r = seed(c, sh, seed, out.resolve("seed-" + seed), device, provenance);
        ExperimentArms.seed(c, arms, sh, seed, out.resolve("seed-" + seed), device, provenance);
        return r;
    }

    /** The task, the reward models, SFT and the best-of-n curves: everything fixed across seeds. */
    private static Shared shared(Config c, Path out, Device device, ObjectNode provenance, RewardModelStage rewardModels,
                                 Map<String, Double> times) {
        mkdirs(out);
        // ---- the task: RL prompt sets and SFT demonstrations ----
        Path task = out.resolve("task");
        if (!Files.isRegularFile(task.resolve(RlSets.SFT))) {
            stage("task: " + c.trainPrompts() + " PPO prompts, " + c.heldoutPrompts() + " held-out, " + c.sftDemos() + " SFT demonstrations");
            RlSets.write(RlSets.generate(c.trainPrompts(), c.heldoutPrompts(), c.sftDemos(), c.taskSeed()), task);
        }
        // ---- the reward models ----
        Path rms = out.resolve("rms");
        if (!Files.isRegularFile(rms.resolve(RM_DONE))) {
            stage("reward models: baseline and Flip + Margin -> " + rms);
            long t = System.nanoTime();
        double c0 = cpuSeconds();
            try {
                rewardModels.train(rms);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            timed(times, "reward_models", t, c0);
        }
        // ---- SFT ----
        List<Demonstrations.Example> demos = Demonstrations.read(task.resolve(RlSets.SFT));
        List<Demonstrations.Example> sftTrain = new ArrayList<>(), sftValid = new ArrayList<>();
        for (Demonstrations.Example e : demos) (Split.unit(e.prompt()) < 0.05 ? sftValid : sftTrain).add(e);
        Path sft = out.resolve("sft");
        if (!Files.isRegularFile(sft.resolve("config.json"))) {
            stage("SFT: " + sftTrain.size() + " demonstrations");
            long t = System.nanoTime();
        double c0 = cpuSeconds();
            try (CausalLm p = Policies.scratch(c.shape(), sftTrain, device, c.taskSeed())) {
                new SftTrainer(p, c.sft()).fit(sftTrain, sftValid, sft, false, provenance);
            }
            timed(times, "sft", t, c0);
        }
        Path pplFile = out.resolve("ppl_set.jsonl");
        if (!Files.isRegularFile(pplFile)) try {
            List<String> lines = new ArrayList<>();
            for (Demonstrations.Example e : sftValid.subList(0, Math.min(64, sftValid.size()))) lines.add(Json.MAPPER.writeValueAsString(e.record()));
            Files.write(pplFile, lines);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> heldout = Demonstrations.promptTexts(task.resolve(RlSets.HELDOUT_PROMPTS));
        Shared sh = new Shared(sft, rms.resolve(BASELINE_RM), rms.resolve(DENOISED_RM), task.resolve(RlSets.TRAIN_PROMPTS), heldout, pplFile,
                PreferenceDataset.load(rms.resolve(RM_TRAIN)).pairs(), PreferenceDataset.load(rms.resolve(RM_VALID)).pairs());

        // ---- best-of-n from SFT, once ----
        Path bon = out.resolve("bon");
        if (!Files.isRegularFile(bon.resolve("bon.json"))) {
            stage("best-of-n from SFT: " + c.bonPrompts() + " prompts x " + c.bonMax() + " samples, baseline and Flip + Margin RMs");
            long t = System.nanoTime();
        double c0 = cpuSeconds();
            List<String> ps = first(PolicySamples.distinct(heldout), c.bonPrompts());
            GenerationConfig gen = c.ppo().sampling(c.taskSeed() + 13);
            List<List<String>> samples = PolicySamples.byPrompt(PolicySamples.sample(sft, ps, c.bonMax(), gen, c.ppo().maxPromptTokens(), device));
            double[][] gold = PolicySamples.gold(ps, samples);
            List<BestOfNCurves.Scores> scores = List.of(scores("baseline", sh.baselineRm(), ps, samples, device),
                    scores("flip+margin", sh.denoisedRm(), ps, samples, device));
            ObjectNode r = BestOfNCurves.curves(ps, samples, gold, scores, BestOfN.powersOfTwo(c.bonMax()), boot(c));
            r.put("policy", sft.toString());
            r.set("generation", Json.MAPPER.valueToTree(gen));
            r.set("provenance", provenance);
            mkdirs(bon);
            Json.write(bon.resolve("bon.json"), r);
            BestOfNCurves.writeSamples(bon.resolve("bon_samples.jsonl"), ps, samples, gold, scores);
            timed(times, "bon", t, c0);
        }
        if (!times.isEmpty()) Json.write(out.resolve("shared_times.json"), Json.MAPPER.valueToTree(times));
        return sh;
    }

    private static ObjectNode seedsAndClaims(Config c, ExperimentArms.Settings arms, Shared sh, Path out, Device device, ObjectNode provenance, SeedRunner seedRunner,
                                             Map<String, Double> times, long t0) {

        // ---- the seeds, side by side ----
        ExecutorService pool = Executors.newFixedThreadPool(seedRunner == null ? 1 : Math.min(c.parallel(), c.seeds()));
        List<Future<ObjectNode>> futures = new ArrayList<>();
        for (int i = 0; i < c.seeds(); i++) {
            long s = c.seed(i);
            Path dir = out.resolve("seed-" + s);
            futures.add(pool.submit(() -> {
                dev.rlhf4j.engine.Engines.prepareThread(); // a pool thread: grad mode is per thread (seeds in this process)
                if (seedRunner == null || (ExperimentRounds.complete(read(dir.resolve("seed.json")), c) && ExperimentArms.seedDone(arms, dir))) {
                    ObjectNode r = seed(c, sh, s, dir, device, provenance);
                    ExperimentArms.seed(c, arms, sh, s, dir, device, provenance);
                    return r;
                }
                return seedRunner.run(s);
            }));
        }
        List<ObjectNode> perSeed = awaitSeeds(pool, futures);

        ObjectNode claims = claims(c, perSeed, out);
        claims.put("seconds_this_invocation", secondsSince(t0));
        claims.set("shared_stage_seconds", Json.MAPPER.valueToTree(times));
        claims.set("provenance", provenance);
        Json.write(out.resolve("claims.json"), claims);
        try {
            Files.writeString(out.resolve("claims.md"), markdown(claims), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ExperimentArms.write(c, arms, perSeed.stream().mapToLong(x -> x.path("seed").asLong()).toArray(), out, provenance);
        return claims;
    }

    /** Every seed's result in submission order; a seed's failure rethrown as it was thrown; the pool shut down either way. */
    private static List<ObjectNode> awaitSeeds(ExecutorService pool, List<Future<ObjectNode>> futures) {
        List<ObjectNode> perSeed = new ArrayList<>();
        try {
            for (Future<ObjectNode> f : futures) perSeed.add(f.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return perSeed;
    }

    /**
     * Only the beyond-PPO arm ({@link BeyondPpoArm}): the shared stages (skipped where they exist), then per seed the PPO
     * references it compares with (the experiment's own where they exist) and its runs, then {@code beyond_ppo.json} and
     * {@code beyond_ppo.md}; no other arm runs and {@code claims.json} is not written. Seeds run as in {@link #run}.
     */
    public static ObjectNode runBeyondPpo(Config c, BeyondPpoArm.Settings a, Path out, Device device, ObjectNode provenance,
                                          RewardModelStage rewardModels, SeedRunner seedRunner) {
        BeyondPpoArm.check(c);
        Shared sh = shared(c, out, device, provenance, rewardModels, new LinkedHashMap<>());
        ExecutorService pool = Executors.newFixedThreadPool(seedRunner == null ? 1 : Math.min(c.parallel(), c.seeds()));
        List<Future<ObjectNode>> futures = new ArrayList<>();
        long[] seeds = new long[c.seeds()];
        for (int i = 0; i < c.seeds(); i++) {
            long s = seeds[i] = c.seed(i);
            Path dir = out.resolve("seed-" + s);
            futures.add(pool.submit(() -> {
                dev.rlhf4j.engine.Engines.prepareThread();
                if (seedRunner == null || BeyondPpoArm.seedDone(dir, a)) return BeyondPpoArm.seed(c, a, sh, s, dir, device, provenance);
                return seedRunner.run(s);
            }));
        }
        awaitSeeds(pool, futures);
        return BeyondPpoArm.write(out, seeds, c, a, provenance);
    }

    /** One seed of {@link #runBeyondPpo} in this process, the shared stages having run (the child process of a {@link SeedRunner}). */
    public static ObjectNode runBeyondPpoSeed(Config c, BeyondPpoArm.Settings a, Path out, long seed, Device device, ObjectNode provenance) {
        if (!Files.isRegularFile(out.resolve("rms").resolve(RM_DONE)) || !Files.isRegularFile(out.resolve("bon").resolve("bon.json"))) {
            throw new IllegalStateException("the shared stages of " + out + " have not run: run the experiment without --only-seed first");
        }
        Shared sh = shared(c, out, device, provenance, dir -> {
            throw new IllegalStateException("reward models missing in " + dir);
        }, new LinkedHashMap<>());
        return BeyondPpoArm.seed(c, a, sh, seed, out.resolve("seed-" + seed), device, provenance);
    }

    /** Every arm of one seed; returns {@code seed.json} (the per-seed figures and stage times). */
    static ObjectNode seed(Config c, Shared sh, long s, Path d, Device device, ObjectNode provenance) {
        Path done = d.resolve("seed.json");
        JsonNode earlier = read(done);
        if (ExperimentRounds.complete(earlier, c)) return (ObjectNode) earlier;
        Map<String, Double> times = ExperimentRounds.earlierTimes(earlier);
        String tag = "seed " + s + ": ";
        PpoConfig ppoS = c.ppo().toBuilder().seed(s).build();
        Path baseline = d.resolve("ppo-baseline"), aa = d.resolve("ppo-aa"), fm = d.resolve("ppo-flip-margin");
        ppo(sh.sft(), sh.baselineRm(), sh, ppoS, baseline, device, provenance, tag + "PPO, baseline RM", times, "ppo_baseline");
        ppo(sh.sft(), sh.baselineRm(), sh, c.ppo().toBuilder().seed(s + AA_OFFSET).build(), aa, device, provenance,
                tag + "A/A PPO, baseline RM, seed " + (s + AA_OFFSET), times, "ppo_aa");
        ppo(sh.sft(), sh.denoisedRm(), sh, ppoS, fm, device, provenance, tag + "PPO, Flip + Margin RM", times, "ppo_flip_margin");

        // ---- MetaRM round 1 and its η = 0 control: identical but for η ----
        Path r1 = d.resolve("round-1");
        Path start = baseline.resolve("policy");
        MetaRm.Config mc = withSeed(c.meta(), s, c.meta().eta());
        MetaRm.Config mc0 = ExperimentRounds.control(c.meta(), s);
        Path metaSet = r1.resolve("meta_set.jsonl");
        List<MetaStep.Group> meta;
        if (!Files.isRegularFile(metaSet)) {
            stage(tag + "meta set from " + start);
            long t = System.nanoTime();
        double c0 = cpuSeconds();
            List<String> trainP = Demonstrations.promptTexts(sh.trainPrompts());
            List<String> metaPrompts = PpoTrainer.batchPrompts(trainP, 1, mc.metaPrompts(), s + 1000L);
            meta = MetaRm.sampleMetaSet(start, metaPrompts, mc, c.ppo(), c.ppo().maxPromptTokens(), device);
            mkdirs(r1);
            MetaRm.writeMetaSet(meta, metaSet);
            timed(times, "meta_set", t, c0);
        } else {
            meta = readMetaSet(metaSet);
        }
        Path metarm = r1.resolve("metarm"), eta0 = r1.resolve("metarm-eta0");
        metaRm(sh, metarm, meta, mc, device, provenance, tag + "MetaRM (eta " + mc.eta() + ")", times, "metarm");
        metaRm(sh, eta0, meta, mc0, device, provenance, tag + "MetaRM control (eta 0)", times, "metarm_eta0");
        PpoConfig ppoR1 = c.ppo().toBuilder().seed(s + 1).build();
        Path ppoMeta = r1.resolve("ppo-metarm"), ppoEta0 = r1.resolve("ppo-eta0");
        ppo(start, metarm, sh, ppoR1, ppoMeta, device, provenance, tag + "round 1 PPO, MetaRM", times, "ppo_metarm");
        ppo(start, eta0, sh, ppoR1, ppoEta0, device, provenance, tag + "round 1 PPO, eta-0 control", times, "ppo_eta0");

        // ---- judging: k paired samples per prompt, gold ----
        List<String> judgeOn = first(sh.heldout(), c.judgePrompts());
        GenerationConfig judgeGen = c.ppo().sampling(s + 7);
        Judging.Settings js = new Judging.Settings(c.judgeSamples(), c.bootstrap(), c.bootstrapSeed());
        Path j = d.resolve("judge");
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("seed", s);
        out.put("aa_seed", s + AA_OFFSET);
        ObjectNode judged = out.putObject("judged");
        judged.set("flip_margin_vs_baseline", judge(fm, baseline, judgeOn, judgeGen, js, c, j.resolve("flip-margin-vs-baseline"), device, provenance, times));
        judged.set("baseline_vs_sft", judge(baseline, sh.sft(), judgeOn, judgeGen, js, c, j.resolve("baseline-vs-sft"), device, provenance, times));
        judged.set("aa", judge(baseline, aa, judgeOn, judgeGen, js, c, j.resolve("aa-baseline-vs-baseline"), device, provenance, times));
        judged.set("metarm_vs_eta0", judge(ppoMeta, ppoEta0, judgeOn, judgeGen, js, c, j.resolve("metarm-vs-eta0"), device, provenance, times));

        // ---- reward-model accuracy on the policies' own samples ----
        List<String> onP = first(PolicySamples.distinct(sh.heldout()), c.onPolicyPrompts());
        GenerationConfig onGen = c.ppo().sampling(s + 11);
        Path m = d.resolve("rm-on-policy");
        ObjectNode mech = out.putObject("rm_on_policy");
        List<Map.Entry<String, Path>> both = List.of(Map.entry("baseline", sh.baselineRm()), Map.entry("flip+margin", sh.denoisedRm()));
        mech.set("sft", onPolicy(sh.sft(), both, onP, c, onGen, m.resolve("sft"), device, provenance, times));
        mech.set("baseline_last", onPolicy(baseline, both, onP, c, onGen, m.resolve("baseline-last"), device, provenance, times));
        mech.set("aa_last", onPolicy(aa, List.of(Map.entry("baseline", sh.baselineRm())), onP, c, onGen, m.resolve("aa-last"), device, provenance, times));
        mech.set("round_1", onPolicy(start, List.of(Map.entry("metarm-eta0", eta0), Map.entry("metarm", metarm)), onP, c, onGen,
                m.resolve("round-1"), device, provenance, times));
        ExperimentRounds.run(c, sh, s, d, new ExperimentRounds.Judged(judgeOn, judgeGen, js, onP, onGen), device, provenance, out, times);
        out.set("stage_seconds", Json.MAPPER.valueToTree(times));
        out.put("stage_seconds_total", times.entrySet().stream().filter(e -> !e.getKey().endsWith("_cpu")).mapToDouble(Map.Entry::getValue).sum());
        out.set("provenance", provenance);
        out.put("stage_cpu_seconds_total", times.entrySet().stream().filter(e -> e.getKey().endsWith("_cpu")).mapToDouble(Map.Entry::getValue).sum());
        Json.write(done, out);
        return out;
    }

    /** claims.json from the per-seed figures. */
    static ObjectNode claims(Config c, List<ObjectNode> perSeed, Path out) {
        int n = perSeed.size();
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) seeds[i] = perSeed.get(i).path("seed").asLong();
        List<ExperimentClaims.Comparison> cs = new ArrayList<>();
        String aaJudged = "the A/A arm judged head to head: PPO(baseline RM, s) vs PPO(baseline RM, s + " + AA_OFFSET + "), same metric";
        String[][] judged = {
                {"Flip+Margin PPO vs baseline PPO (head to head)", "flip_margin_vs_baseline"},
                {"MetaRM round 1 PPO vs eta-0 control PPO", "metarm_vs_eta0"},
                {"baseline PPO vs SFT", "baseline_vs_sft"},
                {"A/A: baseline PPO seed s vs seed s+" + AA_OFFSET, "aa"}};
        for (String[] jd : judged) {
            cs.add(new ExperimentClaims.Comparison(jd[0], "judge.mean_gold_difference", seeds,
                    values(perSeed, x -> x.path("judged").path(jd[1]).path("mean_difference").path("estimate")),
                    values(perSeed, x -> x.path("judged").path("aa").path("mean_difference").path("estimate")), aaJudged));
            cs.add(new ExperimentClaims.Comparison(jd[0], "judge.win_minus_lose_points", seeds,
                    scale(values(perSeed, x -> x.path("judged").path(jd[1]).path("win_minus_lose").path("estimate")), 100),
                    scale(values(perSeed, x -> x.path("judged").path("aa").path("win_minus_lose").path("estimate")), 100), aaJudged));
        }
        cs.add(new ExperimentClaims.Comparison("baseline RM accuracy vs gold on its policy's samples: final PPO minus SFT",
                "rm_on_policy.accuracy_change", seeds,
                values(perSeed, x -> num(acc(x, "baseline_last", 0)) - num(acc(x, "sft", 0))),
                values(perSeed, x -> num(acc(x, "baseline_last", 0)) - num(acc(x, "aa_last", 0))),
                "the baseline RM's accuracy on PPO(baseline, s) samples minus on PPO(baseline, s + " + AA_OFFSET + ") samples: "
                        + "how far the policy's seed alone moves it"));
        cs.add(new ExperimentClaims.Comparison("baseline RM accuracy vs gold on SFT samples (first snapshot)", "rm_on_policy.accuracy", seeds,
                values(perSeed, x -> num(acc(x, "sft", 0))), null, "none: a level, not a difference"));
        cs.add(new ExperimentClaims.Comparison("baseline RM accuracy vs gold on final PPO samples (last snapshot)", "rm_on_policy.accuracy", seeds,
                values(perSeed, x -> num(acc(x, "baseline_last", 0))), values(perSeed, x -> num(acc(x, "aa_last", 0))),
                "the same RM on the A/A arm's final policy"));
        cs.add(new ExperimentClaims.Comparison("MetaRM minus eta-0 RM accuracy on round 1's policy samples (same pairs)",
                "rm_on_policy.accuracy_difference", seeds,
                values(perSeed, x -> x.path("rm_on_policy").path("round_1").path("paired").path(0).path("accuracy_difference").path("estimate")),
                null, "none: the experiment has one eta-0 RM per seed, no second control to difference"));
        cs.add(new ExperimentClaims.Comparison("Flip+Margin minus baseline RM accuracy on final baseline-PPO samples (same pairs)",
                "rm_on_policy.accuracy_difference", seeds,
                values(perSeed, x -> x.path("rm_on_policy").path("baseline_last").path("paired").path(0).path("accuracy_difference").path("estimate")),
                null, "none: one pair of RMs per seed"));
        ExperimentRounds.claims(c, perSeed, seeds, cs, aaJudged);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seeds", n);
        ArrayNode sa = o.putArray("seed_list");
        for (long s : seeds) sa.add(s);
        o.put("aa_offset", AA_OFFSET);
        ObjectNode design = o.putObject("design");
        design.put("fixed_across_seeds", "the task (prompts, SFT demonstrations, preference pairs, seed " + c.taskSeed() + "), the SFT policy, "
                + "the baseline and Flip+Margin reward models: the things compared, identical in every seed");
        design.put("varies_per_seed", "PPO seed (rollouts, prompt order), MetaRM meta set and draws, judging and on-policy samples");
        List<String> notRun = new ArrayList<>();
        if (!ExperimentRounds.notRun(c).isEmpty()) notRun.add(ExperimentRounds.notRun(c));
        if (!Files.isRegularFile(out.resolve("rms").resolve(ContrastiveArm.DIR).resolve(ContrastiveArm.CHOICE))) notRun.add("the contrastive RM (--no-contrastive-arm)");
        if (perSeed.stream().noneMatch(x -> Files.isRegularFile(out.resolve("seed-" + x.path("seed").asLong()).resolve(HackingArm.DIR).resolve(HackingArm.FILE)))) {
            notRun.add("reward hacking at beta 0 (--no-hacking-arm)");
        }
        design.put("not_run", notRun.isEmpty() ? "nothing: every arm ran" : String.join("; ", notRun));
        ExperimentRounds.design(design, c);
        design.put("judge_prompts", c.judgePrompts());
        design.put("judge_samples_per_prompt", c.judgeSamples());
        design.put("on_policy_prompts", c.onPolicyPrompts());
        design.put("on_policy_samples_per_prompt", c.onPolicySamples());
        design.set("ppo", Json.MAPPER.valueToTree(c.ppo()));
        design.set("meta", Json.MAPPER.valueToTree(c.meta()));
        o.set("claims", ExperimentArms.claims(ExperimentClaims.claims(cs), o, seeds, out));
        o.set("mechanism_table", ExperimentRounds.mechanismTable(c, perSeed, seeds));
        ArrayNode fixed = o.putArray("fixed_across_seeds");
        fixedBestOfN(fixed, out);
        ExperimentArms.fixed(fixed, out);
        JsonNode rms = read(out.resolve("rms").resolve(RM_DONE));
        if (rms != null) {
            for (JsonNode v : rms.path("variants")) {
                String name = v.path("name").asText(v.path("variant").asText());
                if (name.equals("baseline") || name.equals("flip+margin")) {
                    ObjectNode f = fixed.addObject();
                    f.put("name", "reward model " + name + " on the demo's clean test pairs");
                    f.put("metric", "demo.summary.variant");
                    f.set("row", v);
                }
            }
        }
        ArrayNode times = o.putArray("seed_stage_seconds");
        for (ObjectNode s : perSeed) {
            ObjectNode t = times.addObject();
            t.put("seed", s.path("seed").asLong());
            t.set("stages", s.path("stage_seconds"));
        }
        return o;
    }

    /**
     * The Flip + Margin best-of-n figures fixed across seeds, from {@code bon/bon.json}: per n the baseline's and Flip +
     * Margin's gold of the pick and their difference on the same prompts (nothing when the file is not there).
     */
    static void fixedBestOfN(ArrayNode fixed, Path out) {
        JsonNode bon = read(out.resolve("bon").resolve("bon.json"));
        if (bon == null) return;
        for (int k = 0; k < bon.path("n").size(); k++) {
            int nn = bon.path("n").get(k).asInt();
            ObjectNode f = fixed.addObject();
            f.put("name", "best-of-" + nn + " from SFT: Flip+Margin minus baseline, gold of the pick");
            f.put("metric", "bon.gold_minus_first");
            f.put("n", nn);
            f.put("reward_model", bon.path("curves").path(1).path("reward_model").asText());
            f.set("baseline_gold", bon.path("curves").path(0).path("points").path(k).path("gold"));
            f.set("flip_margin_gold", bon.path("curves").path(1).path("points").path(k).path("gold"));
            f.set("difference", bon.path("curves").path(1).path("points").path(k).path("gold_minus_first"));
            f.put("interval", "95% bootstrap over prompts (one run: the curves do not depend on the PPO seed)");
        }
    }

    /** claims.json as markdown: the seed table, the mechanism table, then the fixed-across-seeds figures. */
    public static String markdown(JsonNode claims) {
        StringBuilder b = new StringBuilder("# Experiment claims\n\n");
        b.append(String.format(Locale.ROOT, "%d seeds (%s); A/A arm: PPO seed s + %d. Fixed across seeds: %s. Not run: %s.%n%n",
                claims.path("seeds").asInt(), claims.path("seed_list"), claims.path("aa_offset").asLong(),
                claims.path("design").path("fixed_across_seeds").asText(), claims.path("design").path("not_run").asText()));
        b.append(ExperimentClaims.table(claims.path("claims")));
        b.append(ExperimentRounds.markdown(claims.path("mechanism_table")));
        b.append(bestOfNMarkdown(claims.path("fixed_across_seeds")));
        b.append(ExperimentArms.markdown(claims));
        return b.toString();
    }

    /**
     * The best-of-n entries of {@code fixed_across_seeds} as one table: per n, KL_bon, the gold of the pick of the baseline
     * and of each other reward model (Flip + Margin, the contrastive RM), then each one's difference from the baseline on
     * the same prompts, all with their 95% bootstrap intervals over prompts. Entries are matched to a reward model by
     * {@code reward_model} (older claims.json: Flip + Margin's entries have none, and {@code flip_margin_gold}).
     */
    static String bestOfNMarkdown(JsonNode fixed) {
        Map<String, Map<Integer, JsonNode>> byRm = new LinkedHashMap<>();
        java.util.TreeMap<Integer, JsonNode> baseline = new java.util.TreeMap<>();
        for (JsonNode f : fixed) {
            if (!f.path("difference").isObject() || !f.path("n").isNumber()) continue;
            String rm = f.path("reward_model").isTextual() ? f.path("reward_model").asText()
                    : f.has("flip_margin_gold") ? "flip+margin" : f.path("name").asText();
            byRm.computeIfAbsent(rm, k -> new LinkedHashMap<>()).put(f.path("n").asInt(), f);
            baseline.putIfAbsent(f.path("n").asInt(), f.path("baseline_gold"));
        }
        if (byRm.isEmpty()) return "";
        StringBuilder b = new StringBuilder("\n## Best-of-n from SFT (fixed across seeds)\n\n"
                + "Gold reward of the pick, mean over prompts [95% bootstrap over prompts]; every reward model ranks the same samples.\n\n");
        b.append("| n | KL_bon | baseline");
        for (String rm : byRm.keySet()) b.append(" | ").append(rm);
        for (String rm : byRm.keySet()) b.append(" | ").append(rm).append(" − baseline");
        b.append(" |\n| --- | --- | ---").append(" | ---".repeat(2 * byRm.size())).append(" |\n");
        for (Map.Entry<Integer, JsonNode> e : baseline.entrySet()) {
            int n = e.getKey();
            b.append(String.format(Locale.ROOT, "| %d | %.4f | %s", n, BestOfN.klBon(n), goldCell(e.getValue(), "%.4f")));
            for (Map<Integer, JsonNode> m : byRm.values()) {
                JsonNode f = m.get(n);
                b.append(" | ").append(f == null ? "-" : goldCell(rmGold(f), "%.4f"));
            }
            for (Map<Integer, JsonNode> m : byRm.values()) b.append(" | ").append(m.get(n) == null ? "-" : goldCell(m.get(n).path("difference"), "%+.4f"));
            b.append(" |\n");
        }
        return b.toString();
    }

    /** The gold of the reward model's pick in a fixed-across-seeds entry: its {@code *_gold} field other than {@code baseline_gold}. */
    private static JsonNode rmGold(JsonNode f) {
        for (java.util.Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (k.endsWith("_gold") && !k.equals("baseline_gold")) return f.path(k);
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static String goldCell(JsonNode i, String f) {
        if (!i.path("estimate").isNumber()) return "-";
        String s = String.format(Locale.ROOT, f, i.path("estimate").asDouble());
        return i.path("ci_low").isNumber() ? s + String.format(Locale.ROOT, " [" + f + ", " + f + "]", i.path("ci_low").asDouble(), i.path("ci_high").asDouble()) : s;
    }

    // ---- stages ----

    static void ppo(Path policy, Path rm, Shared sh, PpoConfig cfg, Path out, Device device, ObjectNode provenance, String label,
                            Map<String, Double> times, String key) {
        if (Files.isRegularFile(out.resolve("ppo.json"))) return;
        stage(label + " -> " + out);
        long t = System.nanoTime();
        double c0 = cpuSeconds();
        boolean resume = dev.rlhf4j.train.checkpoint.ResumeState.exists(out);
        mkdirs(out);
        PpoRun.run(policy, rm.toString(), sh.trainPrompts(), sh.pplFile(), true, cfg, out, resume, device, provenance);
        timed(times, key, t, c0);
    }

    private static void metaRm(Shared sh, Path out, List<MetaStep.Group> meta, MetaRm.Config mc, Device device, ObjectNode provenance,
                               String label, Map<String, Double> times, String key) {
        if (Files.isRegularFile(out.resolve("config.json"))) return;
        stage(label + " from " + sh.baselineRm() + " -> " + out);
        long t = System.nanoTime();
        double c0 = cpuSeconds();
        MetaRm.train(sh.baselineRm(), out, sh.rmTrain(), sh.rmValid(), meta, mc, device, provenance);
        timed(times, key, t, c0);
    }

    static JsonNode judge(Path a, Path b, List<String> prompts, GenerationConfig gen, Judging.Settings js, Config c, Path dir,
                                  Device device, ObjectNode provenance, Map<String, Double> times) {
        if (Files.isRegularFile(dir.resolve("judge.json"))) return read(dir.resolve("judge.json"));
        long t = System.nanoTime();
        double c0 = cpuSeconds();
        try (GoldJudge g = new GoldJudge(0)) {
            ObjectNode r = Judging.run(a, b, prompts, g, gen, c.ppo().maxPromptTokens(), device, dir, provenance, js);
            System.err.printf(Locale.ROOT, "judge %s vs %s: %s%n", a, b, Judging.summary(r));
            timed(times, "judge_" + dir.getFileName(), t, c0);
            return r;
        }
    }

    static JsonNode onPolicy(Path policy, List<Map.Entry<String, Path>> rms, List<String> prompts, Config c, GenerationConfig gen,
                                     Path dir, Device device, ObjectNode provenance, Map<String, Double> times) {
        Path file = dir.resolve("rm_on_policy.json");
        if (Files.isRegularFile(file)) return read(file).path("policies").path(0);
        long t = System.nanoTime();
        double c0 = cpuSeconds();
        Path pol = Judging.policyOf(policy);
        List<List<String>> samples = PolicySamples.byPrompt(PolicySamples.sample(pol, prompts, c.onPolicySamples(), gen, c.ppo().maxPromptTokens(), device));
        double[][] gold = PolicySamples.gold(prompts, samples);
        List<BestOfNCurves.Scores> scores = new ArrayList<>();
        for (Map.Entry<String, Path> rm : rms) scores.add(scores(rm.getKey(), rm.getValue(), prompts, samples, device));
        ObjectNode one = RmOnPolicy.measure(gold, scores, boot(c));
        one.put("policy", pol.toString());
        double mean = 0;
        for (double[] g : gold) for (double x : g) mean += x;
        one.put("mean_gold", mean / Math.max(1, prompts.size() * c.onPolicySamples()));
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.putArray("policies").add(one);
        r.set("generation", Json.MAPPER.valueToTree(gen));
        r.set("provenance", provenance);
        mkdirs(dir);
        Json.write(file, r);
        timed(times, "rm_on_policy_" + dir.getFileName(), t, c0);
        return one;
    }

    // ---- helpers ----

    private static MetaRm.Config withSeed(MetaRm.Config m, long seed, double eta) {
        return new MetaRm.Config(eta, m.metaGroups(), m.batchPairs(), m.k(), m.steps(), m.optim(), m.trainTopLayers(), m.metaPrompts(),
                m.temperature(), m.maxNewTokens(), seed, m.ascentNorm(), m.sampling());
    }

    static BestOfNCurves.Scores scores(String name, Path rm, List<String> prompts, List<List<String>> samples, Device device) {
        try (RewardFunction f = PpoRun.reward(rm.toString(), device)) {
            return new BestOfNCurves.Scores(name, PolicySamples.score(f, prompts, samples));
        }
    }

    static ClusterBootstrap boot(Config c) {
        return new ClusterBootstrap(c.bootstrap(), c.bootstrapSeed());
    }

    static List<MetaStep.Group> readMetaSet(Path file) {
        List<MetaStep.Group> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode o = Json.MAPPER.readTree(line);
                List<String> rs = new ArrayList<>();
                for (JsonNode r : o.path("responses")) rs.add(r.asText());
                out.add(new MetaStep.Group(List.of(Turn.user(o.path("prompt").asText())), rs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    static JsonNode acc(JsonNode seed, String policy, int model) {
        return seed.path("rm_on_policy").path(policy).path("reward_models").path(model).path("accuracy").path("estimate");
    }

    static double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }

    static double[] values(List<ObjectNode> perSeed, java.util.function.Function<JsonNode, Object> f) {
        double[] v = new double[perSeed.size()];
        for (int i = 0; i < v.length; i++) {
            Object x = f.apply(perSeed.get(i));
            v[i] = x instanceof Double d ? d : x instanceof JsonNode n ? num(n) : Double.NaN;
        }
        return v;
    }

    static double[] scale(double[] v, double k) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = v[i] * k;
        return o;
    }

    static <T> List<T> first(List<T> xs, int n) {
        return n > 0 && xs.size() > n ? xs.subList(0, n) : xs;
    }

    static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    static void mkdirs(Path p) {
        try {
            Files.createDirectories(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + p + ": " + e.getMessage(), e);
        }
    }

    /** Wall seconds under KEY and this process's CPU seconds under KEY_cpu (the CPU figure does not depend on the load). */
    static void timed(Map<String, Double> times, String key, long t, double c0) {
        times.put(key, secondsSince(t));
        times.put(key + "_cpu", cpuSeconds() - c0);
    }

    static double cpuSeconds() {
        return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

    static void stage(String s) {
        System.err.println("== experiment: " + s);
    }
}
