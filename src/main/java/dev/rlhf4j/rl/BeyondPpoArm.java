package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.checkpoint.ResumeState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Beyond PPO in an {@link Experiment} (issue 22): per seed s, the critic-free algorithms (GRPO, RLOO, REINFORCE++ by
 * default) against the baseline RM and against the Flip + Margin RM, each from SFT with seed s and PPO's budget (the
 * experiment's PPO settings with only {@code --algorithm} changed), and DPO, DPO with Flip + Margin-style denoising,
 * cDPO and IPO from SFT on the reward models' noisy training pairs (DPO seed s). Each is judged by gold against SFT and
 * against PPO with the same RM ({@code seed-S/ppo-baseline}, {@code seed-S/ppo-flip-margin}: the experiment's own
 * policies when they exist, otherwise trained here with the same stage and directory) on the experiment's judging
 * prompts, sampling and k; the DPO policies' implicit-reward accuracy is read on the clean test pairs of {@code rms/};
 * rollout tokens/s and time per iteration come from each run's {@code metrics.jsonl}.
 *
 * <p>Fixed across seeds, as for every arm: the task, SFT, both reward models, the strength file and the noisy pairs.
 * Flip + Margin for DPO takes the reward model's own settings from {@code rms/summary.json} (flip μ̂ below its
 * threshold, Δ = min({@value #MARGIN_MAX}, max(0, s·μ̂)) with its margin scale s). Every stage writes its own directory
 * under {@code seed-S/beyond-ppo/} and is skipped when its output exists; {@code seed-S/beyond-ppo/beyond.json} marks
 * the seed done when it lists every run asked for (a longer list later runs only the new runs). {@link #write} aggregates the seeds into {@code beyond_ppo.json} and {@code beyond_ppo.md}: per
 * comparison the mean over seeds with its 95% t interval, the per-seed values and, where the directory has the
 * experiment's A/A arm, the A/A pair's interval on the same metric.
 */
public final class BeyondPpoArm {
    private BeyondPpoArm() {}

    public static final String DIR = "beyond-ppo", FILE = "beyond.json", OUT_JSON = "beyond_ppo.json", OUT_MD = "beyond_ppo.md",
            CLEAN = "clean_test.json";
    /** The DPO variants, in table order. */
    public static final List<String> DPO_VARIANTS = List.of("dpo", "dpo-flip-margin", "cdpo", "ipo");
    /** The cap on a pair's offset Δ (as {@code dpo --margin-max}'s default and the demo's RM margin clip). */
    public static final double MARGIN_MAX = 4.0;

    /** The defaults, as text so that picocli's {@code defaultValue}s name the same constants. */
    public static final class Defaults {
        private Defaults() {}

        public static final String ALGORITHMS = "grpo,rloo,reinforce++", DPO = "dpo,dpo-flip-margin,cdpo,ipo", DPO_BETA = DpoConfig.Defaults.BETA,
                DPO_LR = "5e-4", DPO_EPOCHS = DpoConfig.Defaults.EPOCHS, CDPO_SMOOTHING = "0.1";
    }

    /**
     * What the arm runs.
     *
     * @param algorithms    the critic-free algorithms (each against both RMs)
     * @param dpoVariants   a subset of {@link #DPO_VARIANTS}
     * @param dpoBeta       β of every DPO variant (and of the implicit reward read on the clean test pairs)
     * @param dpoLr         DPO's peak learning rate
     * @param dpoEpochs     passes over the noisy pairs
     * @param cdpoSmoothing cDPO's ε
     */
    public record Settings(List<Algorithm> algorithms, List<String> dpoVariants, double dpoBeta, double dpoLr, int dpoEpochs, double cdpoSmoothing) {
        public Settings {
            algorithms = List.copyOf(algorithms);
            dpoVariants = List.copyOf(dpoVariants);
            for (Algorithm a : algorithms) {
                if (a.usesCritic()) throw new IllegalArgumentException("--beyond-algorithms: ppo is the reference every seed already has; list critic-free ones");
            }
            for (String v : dpoVariants) {
                if (!DPO_VARIANTS.contains(v)) throw new IllegalArgumentException("--beyond-dpo: unknown " + v + " (one of " + DPO_VARIANTS + ")");
            }
            if (algorithms.isEmpty() && dpoVariants.isEmpty()) throw new IllegalArgumentException("--beyond-algorithms and --beyond-dpo are both empty");
            if (!(cdpoSmoothing >= 0 && cdpoSmoothing < 0.5)) throw new IllegalArgumentException("--cdpo-smoothing must be in [0, 0.5), got " + cdpoSmoothing);
        }

        /** Parses the command line's comma-separated lists. */
        public static Settings parse(List<String> algorithms, List<String> dpo, double beta, double lr, int epochs, double smoothing) {
            List<Algorithm> as = new ArrayList<>();
            for (String a : algorithms) if (!a.isBlank()) as.add(Algorithm.parse(a.trim()));
            List<String> ds = new ArrayList<>();
            for (String d : dpo) if (!d.isBlank()) ds.add(d.trim().toLowerCase(Locale.ROOT));
            return new Settings(as, ds, beta, lr, epochs, smoothing);
        }
    }

    /** The reward models by table label and directory name. */
    private static final String[][] RMS = {{"baseline", "baseline"}, {"Flip+Margin", "flip-margin"}};

    /** The comparison is against PPO: the experiment's PPO runs must be PPO. */
    static void check(Experiment.Config c) {
        if (c.ppo().algorithm() != Algorithm.PPO) {
            throw new IllegalArgumentException("--beyond-ppo compares against PPO: leave --algorithm at ppo (the critic-free ones are --beyond-algorithms)");
        }
    }

    /** Whether the seed's {@code beyond.json} holds every run {@code a} asks for (a later, longer list runs only the new ones). */
    static boolean seedDone(Path seedDir, Settings a) {
        return complete(Experiment.read(seedDir.resolve(DIR).resolve(FILE)), a);
    }

    static boolean complete(JsonNode b, Settings a) {
        if (b == null) return false;
        List<String> have = new ArrayList<>();
        for (String g : List.of("critic_free", "dpo")) for (JsonNode r : b.path(g)) have.add(r.path("name").asText());
        for (Algorithm alg : a.algorithms()) for (String[] rm : RMS) if (!have.contains(alg.cliName() + "-" + rm[1])) return false;
        return have.containsAll(a.dpoVariants());
    }

    /** Seed s: the PPO references (when missing), the critic-free runs, the DPO runs, their judgements and figures. */
    static ObjectNode seed(Experiment.Config c, Settings a, Experiment.Shared sh, long s, Path d, Device device, ObjectNode provenance) {
        check(c);
        Path dir = d.resolve(DIR), file = dir.resolve(FILE);
        JsonNode earlier = Experiment.read(file);
        if (complete(earlier, a)) return (ObjectNode) earlier;
        Map<String, Double> times = new LinkedHashMap<>(); // an earlier, shorter list's stage times are kept below
        if (earlier != null) earlier.path("stage_seconds").fields().forEachRemaining(e -> times.put(e.getKey(), e.getValue().asDouble()));
        String tag = "seed " + s + ": ";
        Path rmsDir = sh.baselineRm().getParent();
        Path[] rmPaths = {sh.baselineRm(), sh.denoisedRm()};
        PpoConfig ppoS = c.ppo().toBuilder().seed(s).build();
        Path[] ppoRuns = {d.resolve("ppo-baseline"), d.resolve("ppo-flip-margin")};
        String[] ppoKeys = {"ppo_baseline", "ppo_flip_margin"};
        Experiment.ppo(sh.sft(), sh.baselineRm(), sh, ppoS, ppoRuns[0], device, provenance, tag + "PPO, baseline RM", times, ppoKeys[0]);
        Experiment.ppo(sh.sft(), sh.denoisedRm(), sh, ppoS, ppoRuns[1], device, provenance, tag + "PPO, Flip + Margin RM", times, ppoKeys[1]);
        for (Algorithm alg : a.algorithms()) {
            PpoConfig cfg = c.ppo().toBuilder().seed(s).algorithm(alg).klInReward(false).build();
            for (int r = 0; r < RMS.length; r++) {
                String name = alg.cliName() + "-" + RMS[r][1];
                Experiment.ppo(sh.sft(), rmPaths[r], sh, cfg, dir.resolve(name), device, provenance, tag + alg + ", " + RMS[r][0] + " RM", times,
                        key(name));
            }
        }
        JsonNode rmSummary = Experiment.read(rmsDir.resolve(Experiment.RM_DONE));
        for (String v : a.dpoVariants()) dpo(v, a, sh, rmsDir, rmSummary, s, dir.resolve(v), device, provenance, tag, times);

        // ---- judged: the experiment's prompts, sampling seed (s + 7) and k, so SFT's samples are those of baseline-vs-sft ----
        List<String> judgeOn = Experiment.first(sh.heldout(), c.judgePrompts());
        GenerationConfig judgeGen = c.ppo().sampling(s + 7);
        Judging.Settings js = new Judging.Settings(c.judgeSamples(), c.bootstrap(), c.bootstrapSeed());
        Path jd = dir.resolve("judge");
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seed", s);
        ArrayNode ppo = o.putArray("ppo");
        for (int r = 0; r < RMS.length; r++) {
            ObjectNode run = ppo.addObject();
            run.put("name", "ppo-" + RMS[r][1]);
            run.put("rm", RMS[r][0]);
            // PPO(baseline) vs SFT is the experiment's own judgement (same directory), judged here only where it is missing.
            Path where = r == 0 ? d.resolve("judge").resolve("baseline-vs-sft") : jd.resolve("ppo-" + RMS[r][1] + "-vs-sft");
            run.set("vs_sft", figures(Experiment.judge(ppoRuns[r], sh.sft(), judgeOn, judgeGen, js, c, where, device, provenance, times)));
            run.set("speed", speed(ppoRuns[r], c.ppo().iterations(), cpu(times, d, ppoKeys[r])));
        }
        ArrayNode cf = o.putArray("critic_free");
        for (Algorithm alg : a.algorithms()) {
            for (int r = 0; r < RMS.length; r++) {
                String name = alg.cliName() + "-" + RMS[r][1];
                ObjectNode run = cf.addObject();
                run.put("name", name);
                run.put("algorithm", alg.cliName());
                run.put("rm", RMS[r][0]);
                run.set("vs_sft", figures(Experiment.judge(dir.resolve(name), sh.sft(), judgeOn, judgeGen, js, c, jd.resolve(name + "-vs-sft"), device,
                        provenance, times)));
                run.set("vs_ppo", figures(Experiment.judge(dir.resolve(name), ppoRuns[r], judgeOn, judgeGen, js, c, jd.resolve(name + "-vs-ppo"), device,
                        provenance, times)));
                run.set("speed", speed(dir.resolve(name), c.ppo().iterations(), cpu(times, d, key(name))));
            }
        }
        ArrayNode dp = o.putArray("dpo");
        List<PreferencePair> test = a.dpoVariants().isEmpty() ? List.of() : PreferenceDataset.load(rmsDir.resolve("test.jsonl")).pairs();
        for (String v : a.dpoVariants()) {
            ObjectNode run = dp.addObject();
            run.put("name", v);
            run.set("vs_sft", figures(Experiment.judge(dir.resolve(v), sh.sft(), judgeOn, judgeGen, js, c, jd.resolve(v + "-vs-sft"), device, provenance, times)));
            run.set("vs_ppo", figures(Experiment.judge(dir.resolve(v), ppoRuns[1], judgeOn, judgeGen, js, c, jd.resolve(v + "-vs-ppo-flip-margin"), device,
                    provenance, times)));
            run.set("clean_test", cleanTest(dir.resolve(v), sh.sft(), test, a, dir.resolve(v).resolve(CLEAN), device, times, key(v) + "_clean_test"));
            run.set("train", ((ObjectNode) Experiment.read(dir.resolve(v).resolve("dpo.json")).deepCopy()).without(List.of("provenance")));
        }
        o.set("stage_seconds", Json.MAPPER.valueToTree(times));
        o.set("provenance", provenance);
        Experiment.mkdirs(dir);
        Json.write(file, o);
        return o;
    }

    private static String key(String name) {
        return name.replace('-', '_').replace("+", "p");
    }

    /** The process CPU seconds of a run's stage: from this arm's times, else from the experiment's {@code seed.json}. */
    private static double cpu(Map<String, Double> times, Path seedDir, String key) {
        Double v = times.get(key + "_cpu");
        if (v != null) return v;
        JsonNode seed = Experiment.read(seedDir.resolve("seed.json"));
        JsonNode x = seed == null ? null : seed.path("stage_seconds").path(key + "_cpu");
        return x != null && x.isNumber() ? x.asDouble() : Double.NaN;
    }

    /** The judged figures the tables read (the full record stays in the judgement's judge.json). */
    private static ObjectNode figures(JsonNode judge) {
        ObjectNode f = Json.MAPPER.createObjectNode();
        f.set("mean_difference", judge.path("mean_difference"));
        f.set("win_minus_lose", judge.path("win_minus_lose"));
        return f;
    }

    /** One DPO variant from SFT on the noisy training pairs (resumable; {@code dpo.json} marks it done). */
    private static void dpo(String v, Settings a, Experiment.Shared sh, Path rmsDir, JsonNode rmSummary, long s, Path out, Device device,
                            ObjectNode provenance, String tag, Map<String, Double> times) {
        if (Files.isRegularFile(out.resolve("dpo.json"))) return;
        DpoPairs.Denoising d = denoising(v, a, rmSummary);
        Experiment.stage(tag + "DPO variant " + v + " (" + d + ") from SFT -> " + out);
        long t = System.nanoTime();
        double c0 = Experiment.cpuSeconds();
        List<PreferencePair> mu = d.needsStrength() ? PreferenceDataset.load(rmsDir.resolve("strength.jsonl"), "pairs", false).pairs() : null;
        DpoPairs.Prepared prep = DpoPairs.prepare(sh.rmTrain(), mu, d);
        List<DpoPairs.Item> valid = DpoPairs.prepare(sh.rmValid(), null, DpoPairs.Denoising.none(d.smoothing())).items();
        DpoConfig cfg = DpoConfig.builder().loss(new DpoLoss(DpoLoss.kind(v.equals("ipo") ? "ipo" : "dpo"), a.dpoBeta())).epochs(a.dpoEpochs())
                .lr(a.dpoLr()).seed(s).build();
        boolean resume = ResumeState.exists(out);
        Experiment.mkdirs(out);
        try (CausalLm p = Policies.load(resume ? out.resolve("resume") : sh.sft(), device)) {
            DpoTrainer.Result r = new DpoTrainer(p, cfg).fit(prep.items(), valid, out, resume, provenance, List.of());
            Experiment.timed(times, key(v), t, c0);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("variant", v);
            o.put("loss", cfg.loss().kind().name().toLowerCase(Locale.ROOT));
            o.put("beta", a.dpoBeta());
            o.put("denoising", d.toString());
            o.put("pairs", sh.rmTrain().size());
            o.put("flipped", prep.flipped());
            o.put("dropped", prep.dropped());
            o.put("mean_offset", prep.meanDelta());
            o.put("mean_smoothing", prep.meanEps());
            o.put("valid_pairs", valid.size());
            o.put("valid_loss", r.validLoss());
            o.put("valid_accuracy", r.validAccuracy());
            o.put("steps", r.steps());
            o.put("seconds", r.seconds());
            o.put("cpu_seconds", times.get(key(v) + "_cpu"));
            o.put("tokens_per_s", r.tokensPerSecond());
            o.put("seed", s);
            o.put("reference", sh.sft().toString());
            o.set("provenance", provenance);
            Json.write(out.resolve("dpo.json"), o);
        }
    }

    /**
     * A variant's denoising: {@code dpo} none; {@code cdpo} ε on every pair; {@code ipo} none; {@code dpo-flip-margin} the
     * Flip + Margin RM's own flip threshold and margin scale (from {@code rms/summary.json}'s config; 0 and 1 where absent).
     */
    static DpoPairs.Denoising denoising(String v, Settings a, JsonNode rmSummary) {
        return switch (v) {
            case "dpo", "ipo" -> DpoPairs.Denoising.none(0);
            case "cdpo" -> DpoPairs.Denoising.none(a.cdpoSmoothing());
            case "dpo-flip-margin" -> {
                JsonNode cfg = rmSummary == null ? Json.MAPPER.createObjectNode() : rmSummary.path("config");
                yield new DpoPairs.Denoising(cfg.path("flip_below").asDouble(0), Double.NaN, Double.NaN, true, cfg.path("margin_scale").asDouble(1),
                        MARGIN_MAX, false, 0.5, 0);
            }
            default -> throw new IllegalArgumentException("unknown DPO variant " + v);
        };
    }

    /** Implicit-reward accuracy of a DPO policy on the clean test pairs (labels = gold order), with its 95% interval. */
    private static JsonNode cleanTest(Path policy, Path reference, List<PreferencePair> test, Settings a, Path file, Device device,
                                      Map<String, Double> times, String key) {
        if (Files.isRegularFile(file)) return Experiment.read(file);
        long t = System.nanoTime();
        double c0 = Experiment.cpuSeconds();
        DpoConfig dc = DpoConfig.builder().build();
        try (CausalLm p = Policies.load(policy, device); CausalLm r = Policies.load(reference, device)) {
            float[][] sc = ImplicitReward.score(p, r, test, a.dpoBeta(), dc.maxPromptTokens(), dc.maxLength(), 64);
            ObjectNode o = PairMetrics.of(sc[0], sc[1]).toJson();
            o.put("pairs", "rms/test.jsonl: the reward models' clean test pairs");
            o.put("scale", "implicit reward beta*(log pi - log pi_ref), beta " + a.dpoBeta() + ", pi_ref = SFT");
            Experiment.timed(times, key, t, c0);
            Json.write(file, o);
            return o;
        }
    }

    /**
     * A run's speed from its {@code metrics.jsonl}: the medians over iterations 2..T (iteration 1 warms up; all of them
     * when T = 1) of the iteration's seconds (generate + score + log-probs + update) and of its rollout tokens/s, and
     * the run's process CPU seconds (loading included) divided by T.
     */
    static ObjectNode speed(Path run, int iterations, double cpuSeconds) {
        TreeMap<Integer, double[]> byIt = new TreeMap<>();
        Path m = run.resolve(MetricsFile.NAME);
        if (Files.isRegularFile(m)) {
            try {
                for (String line : Files.readAllLines(m, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    JsonNode r = Json.MAPPER.readTree(line);
                    if (!MetricsFile.PPO.equals(r.path("type").asText())) continue;
                    double secs = r.path("time_generate_s").asDouble() + r.path("time_score_s").asDouble() + r.path("time_logprobs_s").asDouble()
                            + r.path("time_update_s").asDouble();
                    byIt.put(r.path("iteration").asInt(), new double[] {secs, r.path("rollout_tokens_per_s").asDouble(Double.NaN)});
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + m + ": " + e.getMessage(), e);
            }
        }
        List<double[]> kept = new ArrayList<>(byIt.size() > 1 ? byIt.tailMap(2).values() : byIt.values());
        ObjectNode o = Json.MAPPER.createObjectNode();
        ExperimentClaims.put(o, "seconds_per_iteration", median(kept.stream().mapToDouble(x -> x[0]).toArray()));
        ExperimentClaims.put(o, "rollout_tokens_per_s", median(kept.stream().mapToDouble(x -> x[1]).toArray()));
        ExperimentClaims.put(o, "cpu_seconds_per_iteration", cpuSeconds / iterations);
        o.put("iterations_read", kept.size());
        return o;
    }

    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (s.length == 0) return Double.NaN;
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    // ---- the tables over seeds ----

    /** Reads every seed's {@code beyond.json} (and the A/A judgement where the experiment has one) and writes OUT_JSON and OUT_MD. */
    static ObjectNode write(Path out, long[] seeds, Experiment.Config c, Settings a, ObjectNode provenance) {
        List<JsonNode> per = new ArrayList<>();
        double[] aa = new double[seeds.length];
        for (int i = 0; i < seeds.length; i++) {
            Path d = out.resolve("seed-" + seeds[i]);
            JsonNode b = Experiment.read(d.resolve(DIR).resolve(FILE));
            if (b == null) throw new IllegalStateException("seed " + seeds[i] + " has no " + DIR + "/" + FILE);
            per.add(b);
            JsonNode j = Experiment.read(d.resolve("judge").resolve("aa-baseline-vs-baseline").resolve("judge.json"));
            aa[i] = j == null ? Double.NaN : Experiment.num(j.path("mean_difference").path("estimate"));
        }
        ObjectNode o = tables(per, seeds, aa);
        ObjectNode design = o.putObject("design");
        design.put("fixed_across_seeds", "the task, SFT, the baseline and Flip+Margin reward models, the strength file and the "
                + c.ppo().iterations() + "-iteration budget: every method starts from the same SFT policy");
        design.put("varies_per_seed", "the seed s of every run (rollouts and prompt order; DPO's pair order), and the judging samples (seed s + 7)");
        design.set("algorithms", Json.MAPPER.valueToTree(a.algorithms().stream().map(Algorithm::cliName).toList()));
        design.set("dpo_variants", Json.MAPPER.valueToTree(a.dpoVariants()));
        design.put("dpo_beta", a.dpoBeta());
        design.put("dpo_lr", a.dpoLr());
        design.put("dpo_epochs", a.dpoEpochs());
        design.put("cdpo_smoothing", a.cdpoSmoothing());
        design.put("judge_prompts", c.judgePrompts());
        design.put("judge_samples_per_prompt", c.judgeSamples());
        design.set("ppo", Json.MAPPER.valueToTree(c.ppo()));
        design.put("primary_figure", "paired mean gold difference per prompt (A minus B), k samples per prompt paired by index");
        o.set("provenance", provenance);
        Json.write(out.resolve(OUT_JSON), o);
        try {
            Files.writeString(out.resolve(OUT_MD), markdown(o), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o;
    }

    /**
     * The tables from the per-seed records (in seed order): {@code claims} (every judged comparison, mean over seeds with
     * its 95% t interval, the A/A pair's interval as the null where {@code aa} has values), {@code speed} and
     * {@code implicit_accuracy} (levels, no null), each row keyed by {@code run} and {@code against}.
     */
    static ObjectNode tables(List<JsonNode> per, long[] seeds, double[] aa) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seeds", seeds.length);
        ArrayNode sl = o.putArray("seed_list");
        for (long s : seeds) sl.add(s);
        boolean anyAa = Arrays.stream(aa).anyMatch(x -> !Double.isNaN(x));
        double[] nul = anyAa ? aa : null;
        String nullSource = anyAa ? "the experiment's A/A pair judged head to head: PPO(baseline RM, s) vs PPO(baseline RM, s + " + Experiment.AA_OFFSET
                + "), same metric" : "none: this directory has no A/A arm (the full experiment runs it)";
        ArrayNode claims = o.putArray("claims"), speed = o.putArray("speed"), acc = o.putArray("implicit_accuracy");
        JsonNode first = per.get(0);
        for (JsonNode run : first.path("ppo")) {
            String name = run.path("name").asText();
            claims.add(judged("PPO (" + run.path("rm").asText() + " RM) vs SFT", name, "sft", per, "ppo", "vs_sft", seeds, nul, nullSource));
            speedRows(speed, "PPO (" + run.path("rm").asText() + " RM)", name, per, "ppo", seeds);
        }
        for (JsonNode run : first.path("critic_free")) {
            String name = run.path("name").asText(), label = run.path("algorithm").asText() + " (" + run.path("rm").asText() + " RM)";
            claims.add(judged(label + " vs SFT", name, "sft", per, "critic_free", "vs_sft", seeds, nul, nullSource));
            claims.add(judged(label + " vs PPO (" + run.path("rm").asText() + " RM)", name, "ppo", per, "critic_free", "vs_ppo", seeds, nul, nullSource));
            speedRows(speed, label, name, per, "critic_free", seeds);
        }
        for (JsonNode run : first.path("dpo")) {
            String name = run.path("name").asText();
            claims.add(judged(name + " vs SFT", name, "sft", per, "dpo", "vs_sft", seeds, nul, nullSource));
            claims.add(judged(name + " vs PPO (Flip+Margin RM)", name, "ppo", per, "dpo", "vs_ppo", seeds, nul, nullSource));
            ObjectNode c = ExperimentClaims.claim(new ExperimentClaims.Comparison(name + ": implicit-reward accuracy on the clean test pairs",
                    "dpo.clean_test_accuracy", seeds, values(per, "dpo", name, x -> x.path("clean_test").path("accuracy")), null, "none: a level"));
            c.put("run", name);
            acc.add(c);
        }
        return o;
    }

    private static ObjectNode judged(String title, String name, String against, List<JsonNode> per, String group, String field, long[] seeds,
                                     double[] nul, String nullSource) {
        ObjectNode c = ExperimentClaims.claim(new ExperimentClaims.Comparison(title, "judge.mean_gold_difference", seeds,
                values(per, group, name, x -> x.path(field).path("mean_difference").path("estimate")), nul, nullSource));
        c.put("run", name);
        c.put("against", against);
        return c;
    }

    private static void speedRows(ArrayNode speed, String label, String name, List<JsonNode> per, String group, long[] seeds) {
        for (String f : List.of("seconds_per_iteration", "rollout_tokens_per_s", "cpu_seconds_per_iteration")) {
            ObjectNode c = ExperimentClaims.claim(new ExperimentClaims.Comparison(label + ": " + f.replace('_', ' '), "speed." + f, seeds,
                    values(per, group, name, x -> x.path("speed").path(f)), null, "none: a level"));
            c.put("run", name);
            c.put("field", f);
            speed.add(c);
        }
    }

    /** Per seed, the figure of run {@code name} in {@code group} (NaN where the seed lacks it). */
    private static double[] values(List<JsonNode> per, String group, String name, java.util.function.Function<JsonNode, JsonNode> f) {
        double[] v = new double[per.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Double.NaN;
            for (JsonNode run : per.get(i).path(group)) if (run.path("name").asText().equals(name)) v[i] = Experiment.num(f.apply(run));
        }
        return v;
    }

    /** The two tables as markdown. */
    static String markdown(JsonNode o) {
        StringBuilder b = new StringBuilder("# Beyond PPO\n\n");
        b.append(String.format(Locale.ROOT, "%d seeds (%s). Primary figure: paired mean gold difference per prompt, A minus B; mean over seeds "
                + "[95%% t interval]; per-seed values in brackets after it.%n", o.path("seeds").asInt(), o.path("seed_list")));
        JsonNode firstClaim = o.path("claims").path(0);
        b.append("A/A null (same metric): ").append(firstClaim.path("null_mean").isNumber()
                ? ExperimentClaims.fmt(firstClaim, "null_mean", "null_ci_low", "null_ci_high") : firstClaim.path("null_source").asText()).append(".\n\n");
        b.append("## Critic-free methods against each reward model\n\n");
        b.append("| method (RM) | vs SFT | vs PPO (same RM) | s / iteration | rollout tokens/s | CPU s / iteration |\n| --- | --- | --- | --- | --- | --- |\n");
        for (JsonNode c : o.path("claims")) {
            String run = c.path("run").asText();
            if (!c.path("against").asText().equals("sft") || DPO_VARIANTS.contains(run)) continue;
            JsonNode vsPpo = find(o.path("claims"), run, "ppo");
            String label = c.path("name").asText().replace(" vs SFT", "");
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", label, cell(c), vsPpo == null ? "(reference)" : cell(vsPpo),
                    level(o.path("speed"), run, "seconds_per_iteration", "%.2f"), level(o.path("speed"), run, "rollout_tokens_per_s", "%.1f"),
                    level(o.path("speed"), run, "cpu_seconds_per_iteration", "%.2f")));
        }
        if (o.path("implicit_accuracy").size() > 0) {
            b.append("\n## DPO variants on the same noisy pairs\n\n");
            b.append("| variant | vs SFT | vs PPO (Flip+Margin RM) | implicit-reward accuracy, clean test pairs |\n| --- | --- | --- | --- |\n");
            for (JsonNode acc : o.path("implicit_accuracy")) {
                String run = acc.path("run").asText();
                JsonNode sft = find(o.path("claims"), run, "sft"), ppo = find(o.path("claims"), run, "ppo");
                b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s |%n", run, sft == null ? "-" : cell(sft), ppo == null ? "-" : cell(ppo),
                        levelCell(acc, "%.4f")));
            }
        }
        b.append("\n## Every comparison\n\n").append(ExperimentClaims.table(o.path("claims")));
        return b.toString();
    }

    private static JsonNode find(JsonNode claims, String run, String against) {
        for (JsonNode c : claims) if (c.path("run").asText().equals(run) && c.path("against").asText().equals(against)) return c;
        return null;
    }

    private static String level(JsonNode rows, String run, String field, String f) {
        for (JsonNode r : rows) if (r.path("run").asText().equals(run) && r.path("field").asText().equals(field)) return levelCell(r, f);
        return "-";
    }

    private static String levelCell(JsonNode r, String f) {
        if (!r.path("mean").isNumber()) return "-";
        String s = String.format(Locale.ROOT, f, r.path("mean").asDouble());
        if (r.path("ci_low").isNumber()) s += String.format(Locale.ROOT, " [" + f + ", " + f + "]", r.path("ci_low").asDouble(), r.path("ci_high").asDouble());
        return s;
    }

    /** mean [interval] (per-seed values). */
    private static String cell(JsonNode c) {
        return ExperimentClaims.fmt(c, "mean", "ci_low", "ci_high") + " (" + ExperimentClaims.perSeed(c, "%+.3f") + ")";
    }
}
