package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.demo.DemoConfig;
import dev.rlhf4j.demo.DemoPipeline;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.BeyondPpoArm;
import dev.rlhf4j.rl.Experiment;
import dev.rlhf4j.rl.ExperimentArms;
import dev.rlhf4j.rl.PpoConfig;
import dev.rlhf4j.rl.SftConfig;
import dev.rlhf4j.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import dev.rlhf4j.data.Json;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j experiment}: controlled arms over many seeds, one claims table. */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = ExperimentCommand.PpoDefaults.class,
        description = {"Arms that differ in one thing, over --seeds seeds, into one table (OUT/claims.json, OUT/claims.md).",
                "Fixed across seeds: the task, the SFT policy and the reward models (baseline; Flip + Margin, denoised with an",
                "ensemble's preference strength as demo does): they are what is compared, so every seed compares the same ones.",
                "Varying: the PPO seed s (rollouts, prompt order), MetaRM's meta set and draws, the judging samples: the noise.",
                "Per seed s: PPO(baseline RM, s); PPO(baseline RM, s + 1000), the A/A arm; PPO(Flip + Margin RM, s); MetaRM round 1",
                "from the baseline RM on a meta set from PPO(baseline, s)'s policy and its eta = 0 control (same code path, data,",
                "steps, schedule, selection), then PPO from that policy with seed s + 1 and the same budget against each. With --rounds",
                "R >= 2, rounds 2..R: the MetaRM chain and its eta-0 chain each continue from their own previous RM and PPO policy (meta",
                "set from that policy, PPO seed s + 10000(r-1) + 1), and iterated vanilla PPO (baseline RM) continues from PPO(baseline, s)",
                "for R rounds with the same seeds and budget. Judged by gold with k paired samples per prompt (Flip + Margin vs baseline",
                "head to head, MetaRM vs eta 0 and, from round 2, vs iterated vanilla PPO each round, baseline vs SFT, A/A); RM accuracy vs",
                "gold on the policies' own samples (a mechanism table: baseline RM at the first and last snapshot, MetaRM vs eta 0 on",
                "each round's samples); best-of-n curves from SFT once. Per comparison: mean over seeds, 95%% t interval, per-seed values",
                "and the A/A arm's interval on the same metric.",
                "Contrastive arm (on unless --no-contrastive-arm): the --contrastive-variants trained once like the baseline RM, the",
                "best chosen on the noisy validation pairs only (never the clean test pairs or gold); a third best-of-n curve on the",
                "same samples (bon/bon_contrastive.json) and its accuracy minus the baseline's on each seed's final baseline-PPO samples.",
                "Hacking arm (on unless --no-hacking-arm): per seed, PPO with beta 0 for the baseline and Flip + Margin RMs (2 more",
                "PPO runs per seed); the iteration at which smoothed gold falls below its start (censored at the budget) and the",
                "gold drop, beta 0 minus the default beta, the A/A arm as null for the baseline RM (seed-S/hacking/hacking.json).",
                "Beyond-PPO arm (off unless --beyond-ppo; --beyond-ppo-only runs it alone: the shared stages, per seed PPO(baseline, s) and",
                "PPO(Flip + Margin, s) where missing, then only this arm): per seed s, the --beyond-algorithms (critic-free, PPO's settings",
                "and budget with only --algorithm changed) against each RM, and the --beyond-dpo variants on the RMs' noisy training pairs",
                "(dpo; dpo-flip-margin: flip mu < the RM's threshold, offset min(4, max(0, s*mu)) from rms/strength.jsonl; cdpo with",
                "--cdpo-smoothing; ipo), all from SFT with seed s; each judged against SFT and against PPO with the same RM (DPO: the",
                "Flip + Margin RM), DPO's implicit-reward accuracy on the clean test pairs, the runs' s/iteration and rollout tokens/s;",
                "OUT/beyond_ppo.json and OUT/beyond_ppo.md (seed-S/beyond-ppo/). --algorithm must stay ppo with it.",
                "Every stage is skipped when its output exists (resumable; a run of fewer rounds continues with only the new stages). PPO options are ppo's, except",
                "these, the experiment's own unless given (chosen by the A/A calibration, README): --iterations " + Experiment.Defaults.ITERATIONS
                        + ", --actor-lr " + Experiment.Defaults.ACTOR_LR + ", --critic-lr " + Experiment.Defaults.CRITIC_LR
                        + ", --kl-beta " + Experiment.Defaults.KL_BETA + " (per seed 5 PPO runs with --rounds 1, 3 + 3R with R >= 2",
                "rounds, and 2 more with the hacking arm, whose other arm is --kl-beta); --seed seeds the task, SFT and reward models (fixed across seeds)."})
public final class ExperimentCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/experiment", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--seeds", defaultValue = Experiment.Defaults.SEEDS, description = "N: PPO seeds --first-seed, +1, ... (default: ${DEFAULT-VALUE}).")
    int seeds;
    @Option(names = "--first-seed", defaultValue = Experiment.Defaults.FIRST_SEED, description = "The first PPO seed (default: ${DEFAULT-VALUE}).")
    long firstSeed;
    @Option(names = "--parallel", defaultValue = "0",
            description = "Seeds run side by side, each in a process of its own on --threads libtorch threads; 0 = one per core (default: ${DEFAULT-VALUE}).")
    int parallel;
    @Option(names = "--rounds", defaultValue = Experiment.Defaults.ROUNDS,
            description = "MetaRM rounds against the eta-0 control; R >= 2 adds rounds 2..R and R rounds of iterated vanilla PPO; 1 = round 1 only (default: ${DEFAULT-VALUE}).")
    int rounds;
    @Mixin PpoOptions ppo;

    @Option(names = "--train-prompts", defaultValue = Experiment.Defaults.TRAIN_PROMPTS, description = "Task: PPO prompts (default: ${DEFAULT-VALUE}).")
    int trainPrompts;
    @Option(names = "--heldout-prompts", defaultValue = Experiment.Defaults.HELDOUT_PROMPTS, description = "Task: held-out prompts (default: ${DEFAULT-VALUE}).")
    int heldoutPrompts;
    @Option(names = "--sft-demos", defaultValue = Experiment.Defaults.SFT_DEMOS, description = "Task: SFT demonstrations (default: ${DEFAULT-VALUE}).")
    int sftDemos;
    @Option(names = "--sft-epochs", defaultValue = Experiment.Defaults.SFT_EPOCHS, description = "SFT epochs (default: ${DEFAULT-VALUE}).")
    int sftEpochs;
    @Mixin ScratchShapeOptions policyShape;

    @Option(names = "--rm-pairs", defaultValue = Experiment.Defaults.RM_PAIRS, description = "Reward models: noisy training pairs, as demo --train-pairs (default: ${DEFAULT-VALUE}).")
    int rmPairs;
    @Option(names = "--rm-test-pairs", defaultValue = Experiment.Defaults.RM_TEST_PAIRS, description = "Reward models: clean test pairs (default: ${DEFAULT-VALUE}).")
    int rmTestPairs;
    @Option(names = "--rm-valid-pairs", defaultValue = Experiment.Defaults.RM_VALID_PAIRS, description = "Reward models: noisy validation pairs (default: ${DEFAULT-VALUE}).")
    int rmValidPairs;
    @Option(names = "--flip-rate", defaultValue = Experiment.Defaults.FLIP_RATE, description = "Share of training labels flipped on purpose (default: ${DEFAULT-VALUE}).")
    double flipRate;
    @Option(names = "--members", defaultValue = Experiment.Defaults.RM_MEMBERS, description = "Strength ensemble size for denoising (default: ${DEFAULT-VALUE}).")
    int members;
    @Option(names = "--rm-backbone", defaultValue = "minilm", description = "Backbone of the reward models (default: ${DEFAULT-VALUE}).")
    String rmBackbone;

    @Option(names = "--judge-prompts", defaultValue = Experiment.Defaults.JUDGE_PROMPTS, description = "Held-out rows each judgement uses (default: ${DEFAULT-VALUE}).")
    int judgePrompts;
    @Option(names = "--samples-per-prompt", defaultValue = Experiment.Defaults.JUDGE_SAMPLES, description = "k: judged answers per prompt per policy, paired by index (default: ${DEFAULT-VALUE}).")
    int judgeSamples;
    @Option(names = "--on-policy-prompts", defaultValue = Experiment.Defaults.ON_POLICY_PROMPTS, description = "Distinct held-out prompts for RM accuracy on policy samples (default: ${DEFAULT-VALUE}).")
    int onPolicyPrompts;
    @Option(names = "--on-policy-samples", defaultValue = Experiment.Defaults.ON_POLICY_SAMPLES, description = "Answers per prompt there (default: ${DEFAULT-VALUE}).")
    int onPolicySamples;
    @Option(names = "--bon-prompts", defaultValue = Experiment.Defaults.BON_PROMPTS, description = "Distinct held-out prompts of the best-of-n curves (default: ${DEFAULT-VALUE}).")
    int bonPrompts;
    @Option(names = "--bon-n-max", defaultValue = Experiment.Defaults.BON_MAX, description = "N of the best-of-n curves (default: ${DEFAULT-VALUE}).")
    int bonMax;
    @Option(names = "--no-contrastive-arm", description = "Skip the contrastive RM arm (default: run it).")
    boolean noContrastive;
    @Option(names = "--contrastive-variants", split = ",", defaultValue = "simcse-pairs,simcse-difference,swav-pairs,swav-difference",
            description = "Contrastive candidates, METHOD-REPRESENTATION (default: ${DEFAULT-VALUE}); the best on the validation pairs is used.")
    List<String> contrastiveVariants;
    @Option(names = "--no-hacking-arm", description = "Skip the reward-hacking arm, PPO with beta 0 per RM (default: run it).")
    boolean noHacking;
    @Option(names = "--beyond-ppo", description = "Add the beyond-PPO arm: critic-free methods and DPO variants beside PPO (default: off).")
    boolean beyondPpo;
    @Option(names = "--beyond-ppo-only", description = "Run the shared stages and the beyond-PPO arm only (with the PPO runs it compares with); "
            + "writes OUT/beyond_ppo.json and .md, not claims.json (default: off).")
    boolean beyondPpoOnly;
    @Option(names = "--beyond-algorithms", split = ",", defaultValue = BeyondPpoArm.Defaults.ALGORITHMS,
            description = "Beyond-PPO arm: critic-free algorithms, each against both RMs (default: ${DEFAULT-VALUE}; also dr-grpo; empty: none).")
    List<String> beyondAlgorithms;
    @Option(names = "--beyond-dpo", split = ",", defaultValue = BeyondPpoArm.Defaults.DPO,
            description = "Beyond-PPO arm: DPO variants (default: ${DEFAULT-VALUE}; empty: none).")
    List<String> beyondDpo;
    @Option(names = "--dpo-beta", defaultValue = BeyondPpoArm.Defaults.DPO_BETA, description = "Beyond-PPO arm: beta of every DPO variant and of its implicit reward (default: ${DEFAULT-VALUE}).")
    double dpoBeta;
    @Option(names = "--dpo-lr", defaultValue = BeyondPpoArm.Defaults.DPO_LR, description = "Beyond-PPO arm: DPO's peak learning rate (default: ${DEFAULT-VALUE}, as README's DPO runs).")
    double dpoLr;
    @Option(names = "--dpo-epochs", defaultValue = BeyondPpoArm.Defaults.DPO_EPOCHS, description = "Beyond-PPO arm: DPO passes over the noisy pairs (default: ${DEFAULT-VALUE}).")
    int dpoEpochs;
    @Option(names = "--cdpo-smoothing", defaultValue = BeyondPpoArm.Defaults.CDPO_SMOOTHING, description = "Beyond-PPO arm: cDPO's label smoothing epsilon (default: ${DEFAULT-VALUE}).")
    double cdpoSmoothing;
    @Option(names = "--only-seed",
            description = "Run one seed's arms in this process and stop (the shared stages must have run); --parallel starts these (default: all seeds).")
    Long onlySeed;
    @Mixin BootstrapOptions bootstrap;
    @Mixin MetaRmOptions meta;
    @Mixin DeviceOption device;
    @Mixin RlThreads threads;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        threads.apply();
        long taskSeed = ppo.seed.get();
        int par = parallel > 0 ? parallel : Runtime.getRuntime().availableProcessors();
        PpoConfig ppoCfg = ppo.config();
        SftConfig sc = SftConfig.builder().epochs(sftEpochs).seed(taskSeed).build();
        Experiment.Config c = new Experiment.Config(seeds, firstSeed, par, taskSeed, trainPrompts, heldoutPrompts, sftDemos, sc,
                policyShape.policy(256), ppoCfg, meta.config(), judgePrompts, judgeSamples, onPolicyPrompts, onPolicySamples, bonPrompts, bonMax,
                bootstrap.resamples, bootstrap.seed, rounds);
        ObjectNode prov = Provenance.of("experiment", spec.commandLine().getParseResult().originalArgs(), Map.of(), taskSeed, Engines.info());
        // The reward models as demo trains them (baseline = strength member 0; Flip + Margin on the denoised set).
        TrainConfig rmTrain = TrainConfig.builder().epochs(1).batchPairs(8).lr(2e-4).seed(taskSeed).evalEvery(0).trainTopLayers(2).build();
        DemoConfig demo = new DemoConfig(rmPairs, rmTestPairs, rmValidPairs, flipRate, members, 0, 1.0, 0.1, taskSeed,
                new ModelSpec(rmBackbone, Pooling.CLS, 64, device.get()), rmTrain, false);
        BeyondPpoArm.Settings beyond = beyondPpo || beyondPpoOnly
                ? BeyondPpoArm.Settings.parse(beyondAlgorithms, beyondDpo, dpoBeta, dpoLr, dpoEpochs, cdpoSmoothing) : null;
        ExperimentArms.Settings arms = new ExperimentArms.Settings(!noContrastive, contrastiveVariants, !noHacking, beyond);
        long t0 = System.nanoTime();
        Experiment.RewardModelStage rms = dir -> DemoPipeline.run(demo, dir, prov, System.err);
        if (beyondPpoOnly) {
            if (onlySeed != null) {
                Experiment.runBeyondPpoSeed(c, beyond, out, onlySeed, device.get(), prov);
                System.out.printf(java.util.Locale.ROOT, "experiment: beyond-PPO seed %d done in %.0f s%n", onlySeed, (System.nanoTime() - t0) / 1e9);
                return Main.OK;
            }
            Experiment.runBeyondPpo(c, beyond, out, device.get(), prov, rms, par > 1 && seeds > 1 ? this::childProcess : null);
            System.out.print(Files.readString(out.resolve(BeyondPpoArm.OUT_MD)));
            System.out.printf(java.util.Locale.ROOT, "experiment: beyond-PPO arm, %d seed(s), %d side by side, %.0f s -> %s%n", seeds, par,
                    (System.nanoTime() - t0) / 1e9, out.resolve(BeyondPpoArm.OUT_JSON).toAbsolutePath());
            return Main.OK;
        }
        if (onlySeed != null) {
            Experiment.runSeed(c, arms, out, onlySeed, device.get(), prov);
            System.out.printf(java.util.Locale.ROOT, "experiment: seed %d done in %.0f s%n", onlySeed, (System.nanoTime() - t0) / 1e9);
            return Main.OK;
        }
        Experiment.SeedRunner runner = par > 1 && seeds > 1 ? this::childProcess : null;
        Experiment.run(c, arms, out, device.get(), prov, rms,
                (dir, variants) -> DemoPipeline.contrastiveModels(demo, out.resolve("rms"), dir, variants, prov, System.err), runner);
        System.out.print(Files.readString(out.resolve("claims.md")));
        System.out.printf(java.util.Locale.ROOT, "experiment: %d seed(s), %d side by side, %.0f s -> %s%n", seeds, par,
                (System.nanoTime() - t0) / 1e9, out.resolve("claims.json").toAbsolutePath());
        return Main.OK;
    }

    /**
     * One seed in a JVM of its own (the same java, JVM options and classpath, these arguments plus --only-seed): DJL's
     * autograd cannot train two models from threads of one process.
     */
    private ObjectNode childProcess(long s) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("experiment");
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!args.isEmpty() && args.get(0).equals("experiment")) args.remove(0);
        cmd.addAll(args);
        cmd.add("--only-seed");
        cmd.add(Long.toString(s));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        int rc = p.waitFor();
        Path done = beyondPpoOnly ? out.resolve("seed-" + s).resolve(BeyondPpoArm.DIR).resolve(BeyondPpoArm.FILE) : out.resolve("seed-" + s).resolve("seed.json");
        if (rc != 0 || !Files.isRegularFile(done)) throw new IllegalStateException("seed " + s + ": its process exited with " + rc + " (see its log above)");
        return (ObjectNode) Json.MAPPER.readTree(done.toFile());
    }

    /**
     * The experiment's A/A-calibrated PPO defaults in place of ppo's (see the description): picocli applies them where the
     * option is not given and --help states them; every other option keeps its own default.
     */
    static final class PpoDefaults implements picocli.CommandLine.IDefaultValueProvider {
        private static final Map<String, String> VALUES = Map.of("--iterations", Experiment.Defaults.ITERATIONS,
                "--actor-lr", Experiment.Defaults.ACTOR_LR, "--critic-lr", Experiment.Defaults.CRITIC_LR,
                "--kl-beta", Experiment.Defaults.KL_BETA);

        @Override
        public String defaultValue(picocli.CommandLine.Model.ArgSpec arg) {
            return arg instanceof picocli.CommandLine.Model.OptionSpec o ? VALUES.get(o.longestName()) : null;
        }
    }
}
