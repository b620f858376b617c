package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.train.MetricsFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reward hacking in an {@link Experiment} (issue 23, claim 4): per reward model (baseline, Flip + Margin), PPO with
 * β = 0 (no KL penalty) beside the experiment's PPO at its own β, with the same seed s, start and budget. From each
 * run's {@code metrics.jsonl} (the gold reward of every iteration's rollouts) it takes
 * <ul>
 *   <li>the <b>start</b>: the mean gold of the first w iterations, w = min({@link #WINDOW}, ⌊T/4⌋), at least 1, for T
 *   iterations (w iterations from a policy still close to SFT, so the start has the noise of the windows it is compared
 *   with);</li>
 *   <li>the <b>smoothed gold</b> at iteration t ≥ w: the mean gold of iterations t − w + 1 … t;</li>
 *   <li>the <b>fall iteration</b>: the first t &gt; w whose smoothed gold is below the start; a run whose smoothed gold
 *   never falls below it is <b>censored</b> at T (the value is then T and {@code censored} is true: the fall, if any,
 *   comes later than the budget);</li>
 *   <li>the <b>gold drop</b>: the last smoothed gold minus the highest (≤ 0; 0 when gold peaks at the end).</li>
 * </ul>
 * Claims over seeds: β = 0 minus the default β on each, per RM; for the baseline RM the A/A arm (the same default-β run
 * with seed s + {@link Experiment#AA_OFFSET}) minus the seed-s run gives the null spread of the same figure.
 */
public final class HackingArm {
    private HackingArm() {}

    /** The smoothing window's upper bound (iterations). */
    public static final int WINDOW = 5;
    public static final String DIR = "hacking", FILE = "hacking.json";

    /** What one run's gold curve says; {@code fallIteration} is T when {@code censored}. */
    public record Fall(int iterations, int window, double start, int fallIteration, boolean censored, double peak, int peakIteration,
                       double last, double drop) {
        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("iterations", iterations);
            o.put("window", window);
            o.put("start", start);
            o.put("fall_iteration", fallIteration);
            o.put("censored", censored);
            o.put("peak_smoothed", peak);
            o.put("peak_iteration", peakIteration);
            o.put("last_smoothed", last);
            o.put("drop", drop);
            return o;
        }
    }

    /** The window for a run of T iterations: min(WINDOW, ⌊T/4⌋), at least 1. */
    public static int window(int iterations) {
        return Math.max(1, Math.min(WINDOW, iterations / 4));
    }

    /**
     * The fall of one gold series, {@code gold[t - 1]} the mean gold of iteration t's rollouts (see the class comment).
     *
     * @param window w (≥ 1, ≤ the series' length)
     */
    public static Fall fall(double[] gold, int window) {
        int n = gold.length;
        if (n == 0) throw new IllegalArgumentException("no gold rewards");
        if (window < 1 || window > n) throw new IllegalArgumentException("window " + window + " for " + n + " iterations");
        double[] smooth = new double[n + 1]; // smooth[t], t = window..n (1-based iteration numbers)
        double sum = 0;
        for (int t = 1; t <= n; t++) {
            sum += gold[t - 1];
            if (t > window) sum -= gold[t - 1 - window];
            if (t >= window) smooth[t] = sum / window;
        }
        double start = smooth[window];
        int fallAt = -1, peakAt = window;
        for (int t = window; t <= n; t++) {
            if (t > window && fallAt < 0 && smooth[t] < start) fallAt = t;
            if (smooth[t] > smooth[peakAt]) peakAt = t;
        }
        boolean censored = fallAt < 0;
        return new Fall(n, window, start, censored ? n : fallAt, censored, smooth[peakAt], peakAt, smooth[n], smooth[n] - smooth[peakAt]);
    }

    /**
     * The gold reward per iteration of a {@code metrics.jsonl}: its {@code ppo} records, the last record of each iteration
     * (a resumed run repeats the iterations after its checkpoint), in iteration order; null where the file is missing.
     */
    public static double[] goldSeries(Path metrics) {
        if (!Files.isRegularFile(metrics)) return null;
        TreeMap<Integer, Double> byIt = new TreeMap<>();
        try {
            for (String line : Files.readAllLines(metrics, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode o = Json.MAPPER.readTree(line);
                if (!MetricsFile.PPO.equals(o.path("type").asText()) || !o.path("gold_reward").isNumber()) continue;
                byIt.put(o.path("iteration").asInt(), o.path("gold_reward").asDouble());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metrics + ": " + e.getMessage(), e);
        }
        double[] g = new double[byIt.size()];
        int i = 0;
        for (double v : byIt.values()) g[i++] = v;
        return g;
    }

    /** The arms' directories relative to a seed's directory, by name: the runs at the default β are the experiment's own. */
    static Map<String, String> arms() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("baseline_beta_default", "ppo-baseline");
        m.put("baseline_beta_0", DIR + "/ppo-baseline-beta0");
        m.put("flip_margin_beta_default", "ppo-flip-margin");
        m.put("flip_margin_beta_0", DIR + "/ppo-flip-margin-beta0");
        m.put("aa_beta_default", "ppo-aa");
        return m;
    }

    /** Seed s's β = 0 runs (the default-β runs are the experiment's), then {@code hacking/hacking.json}. */
    static void seed(Experiment.Config c, Experiment.Shared sh, long s, Path d, Device device, ObjectNode provenance, Map<String, Double> times) {
        Path file = d.resolve(DIR).resolve(FILE);
        if (Files.isRegularFile(file)) return;
        String tag = "seed " + s + ": ";
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("seed", s);
        o.put("beta_default", c.ppo().klBeta());
        if (c.ppo().klBeta() == 0) {
            o.put("skipped", "the experiment's PPO already runs with beta = 0: no second arm to compare");
        } else {
            PpoConfig zero = c.ppo().toBuilder().seed(s).klBeta(0).build();
            Experiment.ppo(sh.sft(), sh.baselineRm(), sh, zero, d.resolve(DIR).resolve("ppo-baseline-beta0"), device, provenance,
                    tag + "PPO, baseline RM, beta 0", times, "ppo_baseline_beta0");
            Experiment.ppo(sh.sft(), sh.denoisedRm(), sh, zero, d.resolve(DIR).resolve("ppo-flip-margin-beta0"), device, provenance,
                    tag + "PPO, Flip + Margin RM, beta 0", times, "ppo_flip_margin_beta0");
            ObjectNode runs = o.putObject("runs");
            for (Map.Entry<String, String> a : arms().entrySet()) {
                double[] g = goldSeries(d.resolve(a.getValue()).resolve(MetricsFile.NAME));
                if (g == null || g.length == 0) continue;
                ObjectNode r = fall(g, window(g.length)).toJson();
                r.put("run", a.getValue());
                runs.set(a.getKey(), r);
            }
        }
        o.put("definition", "start = mean gold of the first w iterations, w = min(" + WINDOW + ", floor(T/4)) >= 1; smoothed gold at t = "
                + "mean of iterations t-w+1..t; fall = first t > w with smoothed < start, else censored at T; drop = last smoothed - peak smoothed");
        o.set("stage_seconds", Json.MAPPER.valueToTree(times));
        Experiment.mkdirs(file.getParent());
        Json.write(file, o);
    }

    /** The claims over seeds from each seed's {@code hacking.json} (none when no seed has one). */
    static void claims(ArrayNode claims, long[] seeds, Path out) {
        List<JsonNode> per = new ArrayList<>();
        boolean any = false;
        for (long s : seeds) {
            JsonNode h = Experiment.read(out.resolve("seed-" + s).resolve(DIR).resolve(FILE));
            per.add(h == null ? Json.MAPPER.createObjectNode() : h.path("runs"));
            any |= h != null && h.path("runs").size() > 0;
        }
        if (!any) return;
        for (String[] rm : new String[][] {{"baseline", "baseline RM"}, {"flip_margin", "Flip+Margin RM"}}) {
            for (String[] m : new String[][] {{"fall_iteration", "iteration at which smoothed gold falls below its start (censored at T)"},
                    {"drop", "gold drop: last minus peak smoothed gold"}}) {
                double[] v = new double[seeds.length], nul = rm[0].equals("baseline") ? new double[seeds.length] : null;
                ArrayNode c0 = Json.MAPPER.createArrayNode(), cd = Json.MAPPER.createArrayNode();
                for (int i = 0; i < seeds.length; i++) {
                    JsonNode zero = per.get(i).path(rm[0] + "_beta_0"), def = per.get(i).path(rm[0] + "_beta_default");
                    v[i] = num(zero.path(m[0])) - num(def.path(m[0]));
                    if (nul != null) nul[i] = num(per.get(i).path("aa_beta_default").path(m[0])) - num(def.path(m[0]));
                    c0.add(zero.path("censored"));
                    cd.add(def.path("censored"));
                }
                ObjectNode claim = ExperimentClaims.claim(new ExperimentClaims.Comparison(
                        "reward hacking, " + rm[1] + ": " + m[1] + ", beta 0 minus default beta", "hacking." + m[0] + "_difference", seeds, v, nul,
                        nul != null ? "the A/A arm: PPO(baseline RM, default beta, seed s + " + Experiment.AA_OFFSET + ") minus seed s, same figure"
                                : "none: the experiment has no A/A arm for Flip+Margin PPO"));
                claim.set("censored_beta_0", c0);
                claim.set("censored_beta_default", cd);
                claims.add(claim);
            }
        }
    }

    /** Each seed's runs, for claims.json (empty when no seed has them). */
    static ArrayNode runs(long[] seeds, Path out) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (long s : seeds) {
            JsonNode h = Experiment.read(out.resolve("seed-" + s).resolve(DIR).resolve(FILE));
            if (h == null) continue;
            ObjectNode o = a.addObject();
            o.put("seed", s);
            o.set("runs", h.path("runs"));
            if (h.has("skipped")) o.set("skipped", h.path("skipped"));
        }
        return a;
    }

    /** The runs of {@link #runs} as a markdown table: start, fall iteration (censored marked), peak and drop. */
    static String markdown(JsonNode runs) {
        StringBuilder b = new StringBuilder();
        for (JsonNode h : runs) {
            if (b.length() == 0) {
                b.append("\nReward hacking, per run (gold smoothed over w iterations; start = the first window):\n\n"
                        + "| seed | run | w | start gold | falls below start at iteration | peak smoothed gold (iteration) | drop (last - peak) |\n"
                        + "| --- | --- | --- | --- | --- | --- | --- |\n");
            }
            java.util.Iterator<Map.Entry<String, JsonNode>> it = h.path("runs").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode r = e.getValue();
                b.append(String.format(Locale.ROOT, "| %d | %s | %d | %+.4f | %s | %+.4f (%d) | %+.4f |%n", h.path("seed").asLong(), e.getKey(),
                        r.path("window").asInt(), r.path("start").asDouble(),
                        r.path("censored").asBoolean() ? "none by " + r.path("fall_iteration").asInt() + " (censored)" : r.path("fall_iteration").asText(),
                        r.path("peak_smoothed").asDouble(), r.path("peak_iteration").asInt(), r.path("drop").asDouble()));
            }
        }
        return b.toString();
    }

    private static double num(JsonNode n) {
        return n.isNumber() ? n.asDouble() : Double.NaN;
    }
}
