package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.train.MetaStep;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@link Experiment}'s later MetaRM rounds and iterated vanilla PPO (issue 23, claim 2), in three chains per seed
 * s that start from the same policy, PPO(baseline RM, s), and differ in one thing each:
 * <ul>
 *   <li><b>MetaRM</b>: round r trains from round r − 1's MetaRM on a meta set sampled from round r − 1's MetaRM PPO
 *   policy, then PPO from that policy against the new RM;</li>
 *   <li><b>η = 0 control</b>: the same, from its own round r − 1 RM and policy, with η = 0 (and no normalised ascent):
 *   the same code path, sampling scheme, prompts, seeds, steps, schedule and checkpoint selection;</li>
 *   <li><b>iterated vanilla PPO</b>: PPO against the baseline RM continued from its own round r − 1 policy, with the
 *   same PPO seed, iterations and rounds.</li>
 * </ul>
 * Each chain continues from its own state (rather than both round-2 RMs starting from the MetaRM chain's) so that every
 * difference between the MetaRM and control arms after R rounds flows from η alone: it is the comparison a user makes
 * between running MetaRM and not running it. Round 1 is {@link Experiment}'s own (unchanged, so an older run directory
 * resumes and only these stages run). Seeds of round r: base s + {@value #ROUND_STRIDE}·(r − 1): MetaRM's seed is the
 * base, PPO's the base + 1 (round 1: s and s + 1 as before); the meta prompts are block r of the seed-(s + 1000)
 * prompt order, so no two seeds or rounds share a stream. Round r's "policy samples" are those of the policy round r's
 * RMs serve (the MetaRM chain's round r − 1 policy), as in round 1.
 */
final class ExperimentRounds {
    private ExperimentRounds() {}

    /** Round r's seeds start at s + this·(r − 1). */
    static final long ROUND_STRIDE = 10_000;

    /** Settings every round's judging and on-policy stage share with round 1's. */
    record Judged(List<String> judgeOn, GenerationConfig judgeGen, Judging.Settings js, List<String> onPolicy, GenerationConfig onGen) {}

    /** The η = 0 control of {@code m}: no ascent at all (η 0 and no normalised ascent), everything else the same. */
    static MetaRm.Config control(MetaRm.Config m, long seed) {
        return new MetaRm.Config(0.0, m.metaGroups(), m.batchPairs(), m.k(), m.steps(), m.optim(), m.trainTopLayers(), m.metaPrompts(),
                m.temperature(), m.maxNewTokens(), seed, 0.0, m.sampling());
    }

    /** Whether {@code seed.json} holds every round this configuration asks for (older files, without {@code rounds}, hold 1). */
    static boolean complete(JsonNode seedJson, Experiment.Config c) {
        return seedJson != null && seedJson.path("rounds").asInt(1) >= c.rounds();
    }

    /** The stage times of an earlier, incomplete {@code seed.json} (its stages are skipped now, their times kept). */
    static Map<String, Double> earlierTimes(JsonNode seedJson) {
        Map<String, Double> t = new LinkedHashMap<>();
        if (seedJson != null) seedJson.path("stage_seconds").fields().forEachRemaining(e -> t.put(e.getKey(), e.getValue().asDouble()));
        return t;
    }

    /**
     * Rounds 2..R of the MetaRM and control chains and rounds 1..R of iterated vanilla PPO for seed s, judged and
     * measured into {@code out}'s {@code judged} and {@code rm_on_policy}. Every stage is skipped when its output exists.
     */
    static void run(Experiment.Config c, Experiment.Shared sh, long s, Path d, Judged j, Device device, ObjectNode provenance, ObjectNode out,
                    Map<String, Double> times) {
        out.put("rounds", c.rounds());
        if (c.rounds() < 2) return;
        String tag = "seed " + s + ": ";
        Path r1 = d.resolve("round-1");
        Path metaPolicy = r1.resolve("ppo-metarm"), eta0Policy = r1.resolve("ppo-eta0");
        Path metaRm = r1.resolve("metarm"), eta0Rm = r1.resolve("metarm-eta0");
        List<String> trainP = Demonstrations.promptTexts(sh.trainPrompts());
        for (int r = 2; r <= c.rounds(); r++) {
            Path rd = d.resolve("round-" + r);
            long base = s + ROUND_STRIDE * (r - 1);
            MetaRm.Config mc = c.meta().withSeed(base), mc0 = control(c.meta(), base);
            List<String> metaPrompts = PpoTrainer.batchPrompts(trainP, r, mc.metaPrompts(), s + 1000L);
            List<MetaStep.Group> meta = metaSet(metaPolicy, metaPrompts, mc, c, rd.resolve("meta_set.jsonl"), device,
                    tag + "round " + r + " meta set", times, "meta_set_round_" + r);
            List<MetaStep.Group> meta0 = metaSet(eta0Policy, metaPrompts, mc0, c, rd.resolve("meta_set_eta0.jsonl"), device,
                    tag + "round " + r + " control's meta set", times, "meta_set_eta0_round_" + r);
            Path rm = rd.resolve("metarm"), rm0 = rd.resolve("metarm-eta0");
            metaRm(sh, metaRm, rm, meta, mc, device, provenance, tag + "round " + r + " MetaRM (eta " + mc.eta() + ")", times, "metarm_round_" + r);
            metaRm(sh, eta0Rm, rm0, meta0, mc0, device, provenance, tag + "round " + r + " MetaRM control (eta 0)", times, "metarm_eta0_round_" + r);
            PpoConfig ppoR = c.ppo().toBuilder().seed(base + 1).build();
            Path pm = rd.resolve("ppo-metarm"), p0 = rd.resolve("ppo-eta0");
            Experiment.ppo(Judging.policyOf(metaPolicy), rm, sh, ppoR, pm, device, provenance, tag + "round " + r + " PPO, MetaRM", times,
                    "ppo_metarm_round_" + r);
            Experiment.ppo(Judging.policyOf(eta0Policy), rm0, sh, ppoR, p0, device, provenance, tag + "round " + r + " PPO, eta-0 control", times,
                    "ppo_eta0_round_" + r);
            metaPolicy = pm;
            eta0Policy = p0;
            metaRm = rm;
            eta0Rm = rm0;
        }
        Path vanilla = d.resolve("ppo-baseline");
        for (int r = 1; r <= c.rounds(); r++) {
            Path v = d.resolve("round-" + r).resolve("ppo-vanilla");
            PpoConfig ppoR = c.ppo().toBuilder().seed(s + ROUND_STRIDE * (r - 1) + 1).build();
            Experiment.ppo(Judging.policyOf(vanilla), sh.baselineRm(), sh, ppoR, v, device, provenance,
                    tag + "round " + r + " iterated vanilla PPO, baseline RM", times, "ppo_vanilla_round_" + r);
            vanilla = v;
        }

        // ---- judged and measured, round by round ----
        Path jd = d.resolve("judge"), m = d.resolve("rm-on-policy");
        ObjectNode judged = (ObjectNode) out.path("judged"), mech = (ObjectNode) out.path("rm_on_policy");
        for (int r = 2; r <= c.rounds(); r++) {
            Path rd = d.resolve("round-" + r), prev = d.resolve("round-" + (r - 1));
            judged.set("metarm_vs_eta0_round_" + r, Experiment.judge(rd.resolve("ppo-metarm"), rd.resolve("ppo-eta0"), j.judgeOn(), j.judgeGen(),
                    j.js(), c, jd.resolve("metarm-vs-eta0-round-" + r), device, provenance, times));
            judged.set("metarm_vs_vanilla_round_" + r, Experiment.judge(rd.resolve("ppo-metarm"), rd.resolve("ppo-vanilla"), j.judgeOn(),
                    j.judgeGen(), j.js(), c, jd.resolve("metarm-vs-vanilla-round-" + r), device, provenance, times));
            mech.set("round_" + r, Experiment.onPolicy(prev.resolve("ppo-metarm"),
                    List.of(Map.entry("metarm-eta0", rd.resolve("metarm-eta0")), Map.entry("metarm", rd.resolve("metarm"))), j.onPolicy(), c,
                    j.onGen(), m.resolve("round-" + r), device, provenance, times));
        }
        mech.set("vanilla_last", Experiment.onPolicy(vanilla, List.of(Map.entry("baseline", sh.baselineRm())), j.onPolicy(), c, j.onGen(),
                m.resolve("vanilla-last"), device, provenance, times));
    }

    // ---- claims ----

    /** The later rounds' comparisons, appended after round 1's (nothing when R = 1, so the claims are as before). */
    static void claims(Experiment.Config c, List<ObjectNode> perSeed, long[] seeds, List<ExperimentClaims.Comparison> cs, String aaJudged) {
        int rounds = c.rounds();
        for (int r = 2; r <= rounds; r++) {
            String aaNote = aaJudged + " (one PPO run from SFT: the chains here are " + (r + 1) + " PPO runs deep)";
            String[][] judged = {
                    {"MetaRM round " + r + " PPO vs eta-0 control round " + r + " PPO", "metarm_vs_eta0_round_" + r},
                    {"MetaRM round " + r + " PPO vs iterated vanilla PPO round " + r + " (same rounds and budget)", "metarm_vs_vanilla_round_" + r}};
            for (String[] jd : judged) {
                cs.add(new ExperimentClaims.Comparison(jd[0], "judge.mean_gold_difference", seeds,
                        Experiment.values(perSeed, x -> x.path("judged").path(jd[1]).path("mean_difference").path("estimate")),
                        Experiment.values(perSeed, x -> x.path("judged").path("aa").path("mean_difference").path("estimate")), aaNote));
                cs.add(new ExperimentClaims.Comparison(jd[0], "judge.win_minus_lose_points", seeds,
                        Experiment.scale(Experiment.values(perSeed, x -> x.path("judged").path(jd[1]).path("win_minus_lose").path("estimate")), 100),
                        Experiment.scale(Experiment.values(perSeed, x -> x.path("judged").path("aa").path("win_minus_lose").path("estimate")), 100),
                        aaNote));
            }
            String key = "round_" + r;
            cs.add(new ExperimentClaims.Comparison("MetaRM minus eta-0 RM accuracy on round " + r + "'s policy samples (same pairs)",
                    "rm_on_policy.accuracy_difference", seeds,
                    Experiment.values(perSeed, x -> x.path("rm_on_policy").path(key).path("paired").path(0).path("accuracy_difference").path("estimate")),
                    null, "none: the experiment has one eta-0 RM per seed and round, no second control to difference"));
        }
        if (rounds >= 2) {
            cs.add(new ExperimentClaims.Comparison("baseline RM accuracy vs gold on its policy's samples: iterated vanilla PPO round " + rounds
                    + " minus SFT", "rm_on_policy.accuracy_change", seeds,
                    Experiment.values(perSeed, x -> Experiment.num(Experiment.acc(x, "vanilla_last", 0)) - Experiment.num(Experiment.acc(x, "sft", 0))),
                    Experiment.values(perSeed, x -> Experiment.num(Experiment.acc(x, "baseline_last", 0)) - Experiment.num(Experiment.acc(x, "aa_last", 0))),
                    "the baseline RM's accuracy on PPO(baseline, s) samples minus on PPO(baseline, s + " + Experiment.AA_OFFSET
                            + ") samples: how far one PPO run's seed alone moves it"));
        }
    }

    /**
     * The mechanism table: the baseline RM's accuracy against gold on its policy's samples at the first snapshot (SFT)
     * and the last (PPO from SFT; with R ≥ 2 also iterated vanilla PPO's round R), and MetaRM against η = 0 on each
     * round's policy samples (each accuracy, and their difference on the same pairs); mean and 95% t interval over seeds.
     */
    static ArrayNode mechanismTable(Experiment.Config c, List<ObjectNode> perSeed, long[] seeds) {
        List<ExperimentClaims.Comparison> rows = new ArrayList<>();
        String level = "none: a level";
        rows.add(new ExperimentClaims.Comparison("baseline RM, SFT samples (first snapshot)", "rm_on_policy.accuracy", seeds,
                Experiment.values(perSeed, x -> Experiment.acc(x, "sft", 0)), null, level));
        rows.add(new ExperimentClaims.Comparison("baseline RM, PPO(baseline) samples (last snapshot, 1 PPO run)", "rm_on_policy.accuracy", seeds,
                Experiment.values(perSeed, x -> Experiment.acc(x, "baseline_last", 0)), null, level));
        if (c.rounds() >= 2) {
            rows.add(new ExperimentClaims.Comparison("baseline RM, iterated vanilla PPO round " + c.rounds() + " samples (last snapshot, "
                    + (c.rounds() + 1) + " PPO runs)", "rm_on_policy.accuracy", seeds,
                    Experiment.values(perSeed, x -> Experiment.acc(x, "vanilla_last", 0)), null, level));
        }
        for (int r = 1; r <= c.rounds(); r++) {
            String key = "round_" + r;
            rows.add(new ExperimentClaims.Comparison("round " + r + ": MetaRM, round " + r + "'s policy samples", "rm_on_policy.accuracy", seeds,
                    Experiment.values(perSeed, x -> Experiment.acc(x, key, 1)), null, level));
            rows.add(new ExperimentClaims.Comparison("round " + r + ": eta-0 control, same samples", "rm_on_policy.accuracy", seeds,
                    Experiment.values(perSeed, x -> Experiment.acc(x, key, 0)), null, level));
            rows.add(new ExperimentClaims.Comparison("round " + r + ": MetaRM minus eta-0 (same pairs)", "rm_on_policy.accuracy_difference", seeds,
                    Experiment.values(perSeed, x -> x.path("rm_on_policy").path(key).path("paired").path(0).path("accuracy_difference").path("estimate")),
                    null, "none"));
        }
        return ExperimentClaims.claims(rows);
    }

    /** The mechanism table as markdown. */
    static String markdown(JsonNode table) {
        StringBuilder b = new StringBuilder("\n## Mechanism: reward-model accuracy vs gold on policy samples\n\n");
        b.append("| policy samples, reward model | metric | mean over seeds [95% t interval] | n | per seed |\n| --- | --- | --- | --- | --- |\n");
        for (JsonNode row : table) {
            String f = row.path("metric").asText().endsWith("difference") ? "%+.4f" : "%.4f"; // differences signed, levels not
            String mean = row.path("mean").isNumber() ? String.format(Locale.ROOT, f, row.path("mean").asDouble()) : "-";
            if (row.path("ci_low").isNumber()) {
                mean += String.format(Locale.ROOT, " [" + f + ", " + f + "]", row.path("ci_low").asDouble(), row.path("ci_high").asDouble());
            }
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %s |%n", row.path("name").asText(), row.path("metric").asText(), mean,
                    row.path("n_seeds").asInt(), ExperimentClaims.perSeed(row, f)));
        }
        return b.toString();
    }

    /** The design note's "not run" line. */
    static String notRun(Experiment.Config c) {
        return c.rounds() >= 2 ? "" : "MetaRM rounds after the first and iterated vanilla PPO (--rounds 1)";
    }

    /** The rounds' part of the design note. */
    static void design(ObjectNode design, Experiment.Config c) {
        design.put("rounds", c.rounds());
        if (c.rounds() < 2) return;
        design.put("round_chains", "three chains from PPO(baseline RM, s)'s policy, each continuing from its own previous round: MetaRM "
                + "(round r from round r-1's MetaRM, meta set from round r-1's MetaRM PPO policy), its eta-0 control (the same with eta 0), "
                + "and iterated vanilla PPO (baseline RM); round r's PPO seed is s + " + ROUND_STRIDE + "(r-1) + 1 in every chain, "
                + "MetaRM's seed s + " + ROUND_STRIDE + "(r-1), the same budget per round");
    }

    // ---- stages ----

    private static List<MetaStep.Group> metaSet(Path policyRun, List<String> prompts, MetaRm.Config mc, Experiment.Config c, Path file,
                                                Device device, String label, Map<String, Double> times, String key) {
        if (Files.isRegularFile(file)) return Experiment.readMetaSet(file);
        Path policy = Judging.policyOf(policyRun);
        Experiment.stage(label + " from " + policy);
        long t = System.nanoTime();
        double c0 = Experiment.cpuSeconds();
        List<MetaStep.Group> meta = MetaRm.sampleMetaSet(policy, prompts, mc, c.ppo(), c.ppo().maxPromptTokens(), device);
        Experiment.mkdirs(file.getParent());
        MetaRm.writeMetaSet(meta, file);
        Experiment.timed(times, key, t, c0);
        return meta;
    }

    private static void metaRm(Experiment.Shared sh, Path from, Path out, List<MetaStep.Group> meta, MetaRm.Config mc, Device device,
                               ObjectNode provenance, String label, Map<String, Double> times, String key) {
        if (Files.isRegularFile(out.resolve("config.json"))) return;
        Experiment.stage(label + " from " + from + " -> " + out);
        long t = System.nanoTime();
        double c0 = Experiment.cpuSeconds();
        MetaRm.train(from, out, sh.rmTrain(), sh.rmValid(), meta, mc, device, provenance);
        Experiment.timed(times, key, t, c0);
    }
}
