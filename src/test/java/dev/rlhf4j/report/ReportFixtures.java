package dev.rlhf4j.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.demo.DemoPipeline;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.RepresentationSeparation;
import dev.rlhf4j.strength.PairStrength;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.strength.StrengthSummary;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import dev.rlhf4j.train.MetricsFile;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small run directory with every file the report knows, written by the classes a real run uses
 * (the synthetic task, strength records and summary, demo summary rows, MetricsFile, representation
 * separation) from simulated rewards instead of trained models; the decile and PPO files, which
 * need training or a component not built yet, are written field by field.
 */
final class ReportFixtures {
    /** The name of one reward-model variant: markup in it must come out escaped. */
    static final String HOSTILE_VARIANT = "flip<script>alert(1)</script>&\"x\"";

    private ReportFixtures() {}

    /** Writes a full run into {@code dir} and returns it. */
    static Path fullRun(Path dir) throws IOException {
        List<PreferencePair> train = SyntheticTask.generate(new SynthConfig(400, 0.2, SynthConfig.DEFAULT_TEMPERATURE, 7, List.of()));
        List<PreferencePair> test = SyntheticTask.generate(SynthConfig.cleanTest(300, 8));
        List<PreferencePair> valid = SyntheticTask.generate(new SynthConfig(100, 0.2, SynthConfig.DEFAULT_TEMPERATURE, 9, List.of()));
        Random rnd = new Random(1);
        // Strength: 3 "members" whose reward differences follow the given labels, noisily.
        List<ObjectNode> records = new ArrayList<>();
        int n = train.size();
        double[] mean = new double[n], std = new double[n];
        boolean[] flipped = new boolean[n], agrees = new boolean[n];
        for (int i = 0; i < n; i++) {
            PreferencePair p = train.get(i);
            double gap = p.number("gold_chosen").getAsDouble() - p.number("gold_rejected").getAsDouble();
            float[] c = new float[3], r = new float[3];
            for (int m = 0; m < 3; m++) {
                c[m] = (float) (gap + rnd.nextGaussian());
                r[m] = (float) rnd.nextGaussian();
            }
            PairStrength s = PairStrength.of(c, r);
            records.add(StrengthEstimator.withStrength(p.record(), s));
            mean[i] = s.mean();
            std[i] = s.std();
            flipped[i] = p.record().path("flipped").asBoolean();
            agrees[i] = gap > 0;
        }
        Jsonl.write(dir.resolve("strength.jsonl"), records);
        ObjectNode strength = StrengthSummary.of(mean, std, flipped, agrees);
        Json.write(dir.resolve("strength.json"), strength);

        // Demo summary: the baseline and three variants, rows built by the demo's own row writer.
        ObjectNode summary = Json.MAPPER.createObjectNode();
        ObjectNode config = summary.putObject("config");
        config.put("train_pairs", n).put("test_pairs", test.size()).put("valid_pairs", valid.size()).put("flip_rate", 0.2)
                .put("members", 3).put("flip_below", 0.0).put("seed", 7).put("backbone", "minilm");
        summary.set("strength", strength);
        summary.put("denoise_flipped", 70).put("denoise_flipped_correctly", 55);
        summary.put("label_gold_agreement_given", 0.78).put("label_gold_agreement_flipped", 0.87);
        ArrayNode rows = summary.putArray("variants");
        float[][] baseline = null;
        String[] names = {"baseline", HOSTILE_VARIANT, "margin", "flip+margin"};
        double[] skill = {1.0, 1.2, 1.1, 1.3};
        for (int v = 0; v < names.length; v++) {
            float[][] ts = rewards(test, skill[v], rnd), vs = rewards(valid, skill[v], rnd);
            ObjectNode row = DemoPipeline.row(names[v], v == 0 ? "bt" : "margin", "train.jsonl", ts, vs, valid, baseline);
            row.put("train_seconds", 30 + v);
            rows.add(row);
            if (v == 0) baseline = ts;
        }
        summary.put("wall_seconds", 321.0);
        ObjectNode prov = summary.putObject("provenance");
        prov.put("command", "demo");
        prov.putArray("args").add("--train-pairs").add("400");
        Json.write(dir.resolve("summary.json"), summary);

        // Training curves: one per model, as the demo writes them (metrics/NAME.jsonl), and one of train-rm's layout.
        curve(dir.resolve("metrics").resolve("baseline.jsonl"), 60, 0.0, rnd, false);
        curve(dir.resolve("metrics").resolve("flip+margin.jsonl"), 60, 0.1, rnd, false);
        curve(dir.resolve("hh-rm").resolve("metrics.jsonl"), 40, 0.05, rnd, true);

        // The decile experiment's output (DecileExperiment.run needs ten trained models; its fields, written here).
        ObjectNode dec = Json.MAPPER.createObjectNode();
        dec.put("parts", 10).put("train_pairs", n).put("valid_pairs", valid.size());
        ArrayNode drows = dec.putArray("rows");
        for (int d = 1; d <= 10; d++) {
            ObjectNode row = drows.addObject();
            row.put("decile", d).put("count", n / 10).put("min_mu", -2 + 0.4 * (d - 1)).put("max_mu", -1.6 + 0.4 * (d - 1))
                    .put("mean_mu", -1.8 + 0.4 * (d - 1)).put("accuracy", 0.3 + 0.05 * d).put("accuracy_ci95", 0.04)
                    .put("loss", 0.7).put("gold_accuracy", 0.25 + 0.055 * d);
        }
        Json.write(dir.resolve("deciles.json"), dec);

        // eval-rm --representations reports of two models.
        for (String model : List.of("baseline-rm", "simcse-rm")) {
            float[][] ch = new float[80][8], rj = new float[80][8];
            for (int i = 0; i < 80; i++) {
                for (int k = 0; k < 8; k++) {
                    ch[i][k] = (float) (rnd.nextGaussian() + (k == 0 ? 1 : 0));
                    rj[i][k] = (float) (model.equals("baseline-rm") ? ch[i][k] + 0.3 * rnd.nextGaussian() : rnd.nextGaussian());
                }
            }
            ObjectNode report = Json.MAPPER.createObjectNode();
            report.set("representations", RepresentationSeparation.measure(ch, rj, 5).toJson());
            report.putObject("provenance").put("command", "eval-rm").putArray("args").add("--model").add(model).add("--representations");
            Json.write(dir.resolve("eval-" + model + ".json"), report);
        }

        // A PPO log as the RL component will write it: one line per iteration.
        StringBuilder ppo = new StringBuilder();
        for (int it = 1; it <= 30; it++) {
            ppo.append(String.format(java.util.Locale.ROOT,
                    "{\"type\":\"ppo\",\"iteration\":%d,\"rm_reward\":%.4f,\"gold_reward\":%.4f,\"kl\":%.4f,\"ppl\":%.3f}%n",
                    it, 0.05 * it + 0.1 * rnd.nextGaussian(), 0.03 * it, 0.01 * it * it / 30, 12 + 0.1 * it));
        }
        Files.createDirectories(dir.resolve("ppo"));
        Files.writeString(dir.resolve("ppo").resolve("metrics.jsonl"), ppo);
        instruments(dir.resolve("bon"), rnd);
        beyondPpo(dir);
        return dir;
    }

    /**
     * {@code bon.json} and {@code rm_on_policy.json} as {@code bon} and {@code rm-on-policy} write them (the same classes),
     * from simulated scores: 20 prompts × 8 samples, gold in steps of 0.5, two "reward models" that see gold through noise.
     */
    static void instruments(Path dir, Random rnd) throws IOException {
        int prompts = 20, samples = 8;
        double[][] gold = new double[prompts][samples], good = new double[prompts][samples], poor = new double[prompts][samples];
        List<String> ps = new ArrayList<>();
        List<List<String>> answers = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            ps.add("prompt " + i);
            List<String> a = new ArrayList<>();
            for (int j = 0; j < samples; j++) {
                gold[i][j] = Math.round(2 * rnd.nextGaussian()) / 2.0;
                good[i][j] = gold[i][j] + 0.5 * rnd.nextGaussian();
                poor[i][j] = gold[i][j] + 2 * rnd.nextGaussian();
                a.add("answer " + j);
            }
            answers.add(a);
        }
        List<dev.rlhf4j.rl.BestOfNCurves.Scores> rms = List.of(new dev.rlhf4j.rl.BestOfNCurves.Scores("good-rm", good),
                new dev.rlhf4j.rl.BestOfNCurves.Scores("poor-rm", poor), new dev.rlhf4j.rl.BestOfNCurves.Scores("gold", gold));
        dev.rlhf4j.eval.stats.ClusterBootstrap boot = new dev.rlhf4j.eval.stats.ClusterBootstrap(200, 1);
        ObjectNode bon = dev.rlhf4j.rl.BestOfNCurves.curves(ps, answers, gold, rms, dev.rlhf4j.eval.stats.BestOfN.powersOfTwo(samples), boot);
        bon.put("policy", "sft");
        Json.write(dir.resolve("bon.json"), bon);
        ObjectNode on = Json.MAPPER.createObjectNode();
        on.putArray("policies").add(dev.rlhf4j.rl.RmOnPolicy.measure(gold, rms.subList(0, 2), boot).put("policy", "sft"));
        Json.write(dir.resolve("rm_on_policy.json"), on);
        // judge.json's fields (Judging.run needs two policies).
        ObjectNode j = new dev.rlhf4j.rl.Judging.Tally(50, 10, 40).toJson();
        j.put("a", "ppo").put("b", "sft").put("judge", "gold").put("prompts", 25).put("distinct_prompts", 25).put("samples_per_prompt", 4);
        j.set("mean_difference", new dev.rlhf4j.eval.stats.Interval(0.12, 0.02, 0.22, 0.02).toJson());
        j.set("win_interval", new dev.rlhf4j.eval.stats.Interval(0.5, 0.41, 0.59, Double.NaN).toJson());
        j.set("tie_interval", new dev.rlhf4j.eval.stats.Interval(0.1, 0.05, 0.16, Double.NaN).toJson());
        j.set("lose_interval", new dev.rlhf4j.eval.stats.Interval(0.4, 0.31, 0.49, Double.NaN).toJson());
        j.set("win_minus_lose", new dev.rlhf4j.eval.stats.Interval(0.1, -0.06, 0.26, 0.2).toJson());
        j.put("identical_answers", 0.03);
        Json.write(dir.resolve("judge.json"), j);
        // claims.json as experiment writes its comparisons (the same class).
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.set("claims", dev.rlhf4j.rl.ExperimentClaims.claims(List.of(
                new dev.rlhf4j.rl.ExperimentClaims.Comparison("F+M vs baseline", "judge.mean_gold_difference", new long[] {1, 2, 3},
                        new double[] {0.1, 0.2, 0.15}, new double[] {-0.05, 0.02, 0.01}, "A/A"),
                new dev.rlhf4j.rl.ExperimentClaims.Comparison("A/A", "judge.mean_gold_difference", new long[] {1, 2, 3},
                        new double[] {-0.05, 0.02, 0.01}, new double[] {-0.05, 0.02, 0.01}, "A/A"))));
        ObjectNode fixed = claims.putArray("fixed_across_seeds").addObject();
        fixed.put("name", "best-of-16 from SFT: contrastive (simcse-pairs) minus baseline, gold of the pick").put("metric", "bon.gold_minus_first")
                .put("n", 16).put("reward_model", "contrastive (simcse-pairs)");
        fixed.set("difference", new dev.rlhf4j.eval.stats.Interval(0.031, -0.012, 0.074, Double.NaN).toJson());
        claims.putObject("contrastive_choice").put("chosen", "simcse-pairs").put("criterion", "accuracy on the validation pairs");
        Json.write(dir.resolve("claims.json"), claims);
    }

    /**
     * {@code beyond_ppo.json} written by hand in {@code BeyondPpoArm}'s shape ({@code BeyondPpoArmTest} checks it has every
     * field the writer writes), seeds 1, 2, 3: PPO and grpo against the baseline RM, PPO and rloo against the Flip + Margin
     * RM, the DPO variants dpo and ipo; with missing figures (rloo vs PPO, ipo vs PPO, one PPO CPU time, rloo's speed) and
     * figures over one seed (no interval). h = t(0.975, 2)·0.1/√3 = 0.2484137711750331 is the half-width of three values
     * with standard deviation 0.1 (the A/A null 0, 0.1, −0.1; grpo 0.1, 0.2, 0.3 vs SFT), 10·h of 1, 2, 3 s / iteration,
     * h/2 of dpo's accuracies 0.70, 0.80, 0.75.
     */
    static Path beyondPpo(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (java.io.InputStream in = ReportFixtures.class.getResourceAsStream("/report/beyond_ppo.json")) {
            Files.copy(java.util.Objects.requireNonNull(in, "test resource report/beyond_ppo.json"), dir.resolve("beyond_ppo.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return dir.resolve("beyond_ppo.json");
    }

    /** The seeds of {@link #experiment}'s claims. */
    static final long[] SEEDS = {1, 2, 3};

    /**
     * What {@code experiment --rounds 2} leaves for the report, with chosen numbers: {@code claims.json} (claims and
     * mechanism-table rows through {@link dev.rlhf4j.rl.ExperimentClaims}, the writer the experiment uses, with the row
     * names {@code ExperimentRounds.mechanismTable} gives; {@code fixed_across_seeds} and {@code contrastive_choice} field by
     * field as {@code Experiment} and {@code ContrastiveArm} write them), {@code bon/bon.json} (baseline and Flip + Margin) and
     * {@code bon/bon_contrastive.json} (the same two curves, recomputed from the same samples, and the contrastive RM's).
     * Flip + Margin's fixed entries are in the shape of a claims.json written before they named their reward model
     * (the full run of issue 23 writes that one).
     */
    static Path experiment(Path dir) throws IOException {
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.put("seeds", 3);
        claims.set("claims", dev.rlhf4j.rl.ExperimentClaims.claims(List.of(
                new dev.rlhf4j.rl.ExperimentClaims.Comparison("Flip+Margin PPO vs baseline PPO (head to head)", "judge.mean_gold_difference", SEEDS,
                        new double[] {0.1, 0.2, 0.15}, new double[] {-0.05, 0.02, 0.01}, "A/A"))));
        claims.set("mechanism_table", dev.rlhf4j.rl.ExperimentClaims.claims(List.of(
                row("baseline RM, SFT samples (first snapshot)", "rm_on_policy.accuracy", 0.70, 0.66, 0.68),
                row("baseline RM, PPO(baseline) samples (last snapshot, 1 PPO run)", "rm_on_policy.accuracy", 0.60, 0.62, 0.58),
                row("baseline RM, iterated vanilla PPO round 2 samples (last snapshot, 3 PPO runs)", "rm_on_policy.accuracy", 0.55, 0.53, 0.57),
                row("round 1: MetaRM, round 1's policy samples", "rm_on_policy.accuracy", 0.62, 0.64, 0.60),
                row("round 1: eta-0 control, same samples", "rm_on_policy.accuracy", 0.61, 0.63, 0.59),
                row("round 1: MetaRM minus eta-0 (same pairs)", "rm_on_policy.accuracy_difference", 0.02, 0.00, 0.01),
                row("round 2: MetaRM, round 2's policy samples", "rm_on_policy.accuracy", 0.58, 0.60, 0.56),
                row("round 2: eta-0 control, same samples", "rm_on_policy.accuracy", 0.57, 0.55, 0.59),
                row("round 2: MetaRM minus eta-0 (same pairs)", "rm_on_policy.accuracy_difference", 0.01, 0.05, -0.03))));
        // Gold of the pick at n = 1, 4, 16: baseline, Flip + Margin, contrastive; differences from the baseline with their p.
        int[] ns = {1, 4, 16};
        double[][] gold = {{0.10, 0.30, 0.35}, {0.10, 0.34, 0.42}, {0.10, 0.31, 0.33}};
        double[][][] diff = {null, {{0, 0, 0, 1}, {0.04, 0.01, 0.07, 0.01}, {0.07, 0.02, 0.12, 0.004}},
                {{0, 0, 0, 1}, {0.01, -0.02, 0.04, 0.5}, {-0.02, -0.08, 0.04, 0.6}}};
        String[] rms = {"baseline", "flip+margin", "contrastive (simcse-pairs)"};
        ArrayNode fixed = claims.putArray("fixed_across_seeds");
        for (int r = 1; r < 3; r++) {
            for (int k = 0; k < ns.length; k++) {
                ObjectNode f = fixed.addObject();
                f.put("name", "best-of-" + ns[k] + " from SFT: " + (r == 1 ? "Flip+Margin" : rms[r]) + " minus baseline, gold of the pick");
                f.put("metric", "bon.gold_minus_first").put("n", ns[k]);
                if (r == 2) f.put("reward_model", rms[r]);
                f.set("baseline_gold", goldInterval(gold[0][k]));
                f.set(r == 1 ? "flip_margin_gold" : "contrastive_gold", goldInterval(gold[r][k]));
                f.set("difference", new dev.rlhf4j.eval.stats.Interval(diff[r][k][0], diff[r][k][1], diff[r][k][2], diff[r][k][3]).toJson());
                f.put("interval", "95% bootstrap over prompts (one run: the curves do not depend on the PPO seed)");
            }
        }
        fixed.addObject().put("name", "reward model baseline on the demo's clean test pairs").put("metric", "demo.summary.variant")
                .putObject("row").put("variant", "baseline").put("gold_accuracy_test", 0.71);
        claims.putObject("contrastive_choice").put("chosen", "simcse-pairs")
                .put("criterion", "accuracy against the given (noisy) labels of the 300 validation pairs").putArray("candidates");
        Files.createDirectories(dir.resolve("bon"));
        Json.write(dir.resolve("claims.json"), claims);
        Json.write(dir.resolve("bon").resolve("bon.json"), bon(ns, gold, diff, rms, 2));
        ObjectNode three = bon(ns, gold, diff, rms, 3);
        three.put("samples_from", "bon/bon_samples.jsonl (the samples, gold and baseline / Flip+Margin scores of bon/bon.json)");
        Json.write(dir.resolve("bon").resolve("bon_contrastive.json"), three);
        return dir;
    }

    private static dev.rlhf4j.rl.ExperimentClaims.Comparison row(String name, String metric, double... perSeed) {
        return new dev.rlhf4j.rl.ExperimentClaims.Comparison(name, metric, SEEDS, perSeed, null, "none: a level");
    }

    /** A gold-of-the-pick interval: the estimate ± 0.05. */
    private static ObjectNode goldInterval(double g) {
        return new dev.rlhf4j.eval.stats.Interval(g, g - 0.05, g + 0.05, Double.NaN).toJson();
    }

    /** A best-of-n file in {@code BestOfNCurves.curves}' shape with the first {@code curves} reward models. */
    private static ObjectNode bon(int[] ns, double[][] gold, double[][][] diff, String[] rms, int curves) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("prompts", 100).put("samples_per_prompt", 16);
        ArrayNode n = o.putArray("n"), kl = o.putArray("kl_bon");
        for (int x : ns) {
            n.add(x);
            kl.add(dev.rlhf4j.eval.stats.BestOfN.klBon(x));
        }
        ArrayNode cs = o.putArray("curves");
        for (int r = 0; r < curves; r++) {
            ObjectNode c = cs.addObject();
            c.put("reward_model", rms[r]);
            ArrayNode pts = c.putArray("points");
            for (int k = 0; k < ns.length; k++) {
                ObjectNode p = pts.addObject();
                p.put("n", ns[k]).put("kl_bon", dev.rlhf4j.eval.stats.BestOfN.klBon(ns[k]));
                p.set("gold", goldInterval(gold[r][k]));
                p.set("proxy", goldInterval(gold[r][k] + 1));
                if (r > 0) p.set("gold_minus_first", new dev.rlhf4j.eval.stats.Interval(diff[r][k][0], diff[r][k][1], diff[r][k][2], diff[r][k][3]).toJson());
            }
        }
        o.set("bootstrap", new dev.rlhf4j.eval.stats.ClusterBootstrap(1000, 1).toJson("distinct prompt"));
        o.put("policy", "exp/sft");
        return o;
    }

    /** Rewards of each pair's two responses: the gold reward times {@code skill} plus noise. */
    static float[][] rewards(List<PreferencePair> pairs, double skill, Random rnd) {
        float[][] s = new float[2][pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            PreferencePair p = pairs.get(i);
            // The gold fields name the responses as they are labelled here.
            s[0][i] = (float) (skill * p.number("gold_chosen").getAsDouble() + rnd.nextGaussian());
            s[1][i] = (float) (skill * p.number("gold_rejected").getAsDouble() + rnd.nextGaussian());
        }
        return s;
    }

    /** A training curve written through the trainer's own MetricsFile listener. */
    static void curve(Path file, int steps, double offset, Random rnd, boolean evals) {
        MetricsFile m = new MetricsFile(file);
        m.onStart(steps, TrainState.start());
        for (int s = 1; s <= steps; s++) {
            double loss = 0.69 * Math.exp(-s / 30.0) + 0.3 + offset + 0.05 * rnd.nextGaussian();
            m.onStep(new TrainListener.StepStats(s, steps, 0, loss,
                    Map.of("accuracy", Math.min(1, 0.5 + s / 150.0 + 0.05 * rnd.nextGaussian())), 1e-4, 1.0, false, false, 512,
                    0.2, 0.2 * s));
            if (evals && s % 10 == 0) {
                float[] c = new float[50], r = new float[50];
                for (int i = 0; i < 50; i++) {
                    c[i] = (float) (s / 40.0 + rnd.nextGaussian());
                    r[i] = (float) rnd.nextGaussian();
                }
                PairMetrics pm = PairMetrics.of(c, r);
                m.onEval(s, new TrainListener.Evaluation(pm.toJson(), "", s == steps, pm.accuracy(), pm.loss()));
            }
        }
    }
}
