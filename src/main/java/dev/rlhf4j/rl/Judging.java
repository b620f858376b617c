package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.stats.ClusterBootstrap;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.synth.Family;
import dev.rlhf4j.synth.GoldReward;

import java.io.BufferedWriter;
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
import java.util.TreeMap;

/**
 * Policy A against policy B: both answer every prompt k times (the same sampling settings and seeds, so sample j of
 * A and of B are paired), a {@link Judge} compares each pair of answers. The primary figure is the paired mean score
 * difference per prompt with a bootstrap interval over distinct prompts; win / tie / lose (the paper's Tables 2 and
 * 3 in the controlled task's terms) stay beside it with their own intervals.
 */
public final class Judging {
    private Judging() {}

    /** Counts and fractions. */
    public record Tally(int win, int tie, int lose) {
        public int n() {
            return win + tie + lose;
        }

        public ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            double n = Math.max(1, n());
            o.put("win", win / n);
            o.put("tie", tie / n);
            o.put("lose", lose / n);
            o.put("win_count", win);
            o.put("tie_count", tie);
            o.put("lose_count", lose);
            o.put("n", n());
            return o;
        }

        @Override
        public String toString() {
            double n = Math.max(1, n());
            return String.format(Locale.ROOT, "win %.1f%% / tie %.1f%% / lose %.1f%% (%d / %d / %d of %d)",
                    100 * win / n, 100 * tie / n, 100 * lose / n, win, tie, lose, n());
        }
    }

    /** The policy directory of a run: {@code RUN/policy} when present, else {@code RUN} itself (either may be a PEFT adapter). */
    public static Path policyOf(Path run) {
        Path p = run.resolve("policy");
        if (Files.isRegularFile(p.resolve("config.json")) || dev.rlhf4j.model.lora.Adapters.isAdapter(p)) return p;
        if (Files.isRegularFile(run.resolve("config.json")) || dev.rlhf4j.model.lora.Adapters.isAdapter(run) || Files.isRegularFile(run)) return run;
        throw new IllegalArgumentException(run + " is neither a policy directory (config.json, or a PEFT adapter) nor a run with policy/");
    }

    /** One response of a policy to each prompt, batched: sample 0 of {@link PolicySamples#sample}. */
    public static List<String> respond(Path policy, List<String> prompts, GenerationConfig gen, int maxPromptTokens, Device device) {
        return PolicySamples.sample(policy, prompts, 1, gen, maxPromptTokens, device).get(0);
    }

    /**
     * How a comparison is sampled and its intervals computed.
     *
     * @param samplesPerPrompt k: answers of each policy to each prompt (sample j of A is paired with sample j of B)
     * @param resamples        bootstrap replicates over distinct prompts
     * @param bootstrapSeed    seed of the bootstrap
     */
    public record Settings(int samplesPerPrompt, int resamples, long bootstrapSeed) {
        public Settings {
            if (samplesPerPrompt < 1) throw new IllegalArgumentException("--samples-per-prompt must be ≥ 1, got " + samplesPerPrompt);
            if (resamples < 1) throw new IllegalArgumentException("--bootstrap must be ≥ 1, got " + resamples);
        }
    }

    /**
     * Judges A against B: k answers of each to every prompt (paired by sample index, {@link PolicySamples}), each
     * pair scored by the judge. Writes {@code judge.json} and {@code judge.jsonl} (every comparison: prompt, sample
     * index, both answers, both scores, the verdict) into {@code outDir}.
     *
     * <p>The primary figure is the paired mean score difference: per distinct prompt the mean over its comparisons of
     * score(A) − score(B), then the mean over distinct prompts, with a 95% interval from a bootstrap over distinct
     * prompts. Win / tie / lose are fractions of all comparisons, each with its interval from the same resampling;
     * the share of comparisons where both policies wrote the same text is reported beside them.
     */
    public static ObjectNode run(Path a, Path b, List<String> prompts, Judge judge, GenerationConfig gen, int maxPromptTokens,
                                 Device device, Path outDir, ObjectNode provenance, Settings settings) {
        int k = settings.samplesPerPrompt();
        List<List<String>> sa = PolicySamples.sample(a, prompts, k, gen, maxPromptTokens, device);
        List<List<String>> sb = PolicySamples.sample(b, prompts, k, gen, maxPromptTokens, device);
        List<String> rowPrompts = new ArrayList<>(), ra = new ArrayList<>(), rb = new ArrayList<>();
        for (int j = 0; j < k; j++) {
            rowPrompts.addAll(prompts);
            ra.addAll(sa.get(j));
            rb.addAll(sb.get(j));
        }
        List<Judge.Decision> ds = judge.judge(rowPrompts, ra, rb);
        Map<String, Integer> clusterOf = new LinkedHashMap<>();
        for (String p : prompts) clusterOf.putIfAbsent(p, clusterOf.size());
        int c = clusterOf.size();
        double[] diff = new double[c], count = new double[c], win = new double[c], tie = new double[c], lose = new double[c],
                same = new double[c];
        int[] all = new int[3];
        int identical = 0;
        Map<String, int[]> byFamily = new TreeMap<>();
        try {
            Files.createDirectories(outDir);
            try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("judge.jsonl"), StandardCharsets.UTF_8)) {
                for (int r = 0; r < ds.size(); r++) {
                    Judge.Decision d = ds.get(r);
                    String prompt = rowPrompts.get(r);
                    int cl = clusterOf.get(prompt);
                    all[d.verdict().ordinal()]++;
                    diff[cl] += d.scoreA() - d.scoreB();
                    count[cl]++;
                    switch (d.verdict()) {
                        case WIN -> win[cl]++;
                        case TIE -> tie[cl]++;
                        case LOSE -> lose[cl]++;
                    }
                    boolean sameText = ra.get(r).equals(rb.get(r));
                    if (sameText) {
                        identical++;
                        same[cl]++;
                    }
                    Family f = GoldReward.familyOf(prompt);
                    if (f != null) byFamily.computeIfAbsent(f.id(), x -> new int[3])[d.verdict().ordinal()]++;
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    o.put("prompt", prompt);
                    o.put("sample", r / prompts.size());
                    o.put("a", ra.get(r));
                    o.put("b", rb.get(r));
                    o.put("score_a", d.scoreA());
                    o.put("score_b", d.scoreB());
                    o.put("verdict", d.verdict().name().toLowerCase(Locale.ROOT));
                    w.write(Json.MAPPER.writeValueAsString(o));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir + ": " + e.getMessage(), e);
        }
        double[] meanDiff = new double[c], winMinusLose = new double[c];
        for (int i = 0; i < c; i++) {
            meanDiff[i] = diff[i] / count[i];
            winMinusLose[i] = win[i] - lose[i];
        }
        ClusterBootstrap boot = new ClusterBootstrap(settings.resamples(), settings.bootstrapSeed());
        Tally t = new Tally(all[0], all[1], all[2]);
        ObjectNode o = t.toJson();
        o.put("a", a.toString());
        o.put("b", b.toString());
        o.put("judge", judge.name());
        o.put("prompts", prompts.size());
        o.put("distinct_prompts", c);
        o.put("samples_per_prompt", k);
        double ma = 0, mb = 0;
        for (Judge.Decision d : ds) {
            ma += d.scoreA();
            mb += d.scoreB();
        }
        o.put("mean_score_a", ma / ds.size());
        o.put("mean_score_b", mb / ds.size());
        o.set("mean_difference", boot.test(c, w -> ClusterBootstrap.mean(meanDiff, w)).toJson());
        o.set("win_interval", boot.interval(c, w -> ClusterBootstrap.ratio(win, count, w)).toJson());
        o.set("tie_interval", boot.interval(c, w -> ClusterBootstrap.ratio(tie, count, w)).toJson());
        o.set("lose_interval", boot.interval(c, w -> ClusterBootstrap.ratio(lose, count, w)).toJson());
        o.set("win_minus_lose", boot.test(c, w -> ClusterBootstrap.ratio(winMinusLose, count, w)).toJson());
        o.put("identical_answers", identical / (double) ds.size());
        o.put("identical_count", identical);
        o.set("bootstrap", boot.toJson("distinct prompt"));
        ObjectNode fam = o.putObject("by_family");
        byFamily.forEach((f, v) -> fam.set(f, new Tally(v[0], v[1], v[2]).toJson()));
        o.set("generation", Json.MAPPER.valueToTree(gen));
        if (provenance != null) o.set("provenance", provenance);
        Json.write(outDir.resolve("judge.json"), o);
        return o;
    }

    /** The printed summary of a {@code judge.json}: the primary figure, then win / tie / lose, each with its interval. */
    public static String summary(JsonNode r) {
        JsonNode d = r.path("mean_difference"), wl = r.path("win_minus_lose");
        String judge = r.path("judge").asText();
        return String.format(Locale.ROOT,
                "A − B, mean %s score per prompt: %+.4f [%+.4f, %+.4f] (95%%, bootstrap over %d distinct prompts, %d samples each)%n"
                        + "win %.1f%% [%.1f, %.1f] / tie %.1f%% [%.1f, %.1f] / lose %.1f%% [%.1f, %.1f] of %d comparisons; "
                        + "win − lose %+.1f [%+.1f, %+.1f] points; identical answers %.1f%%; mean score A %.3f, B %.3f",
                judge, d.path("estimate").asDouble(Double.NaN), d.path("ci_low").asDouble(Double.NaN), d.path("ci_high").asDouble(Double.NaN),
                r.path("distinct_prompts").asInt(), r.path("samples_per_prompt").asInt(),
                pct(r, "win"), pctOf(r, "win_interval", "ci_low"), pctOf(r, "win_interval", "ci_high"),
                pct(r, "tie"), pctOf(r, "tie_interval", "ci_low"), pctOf(r, "tie_interval", "ci_high"),
                pct(r, "lose"), pctOf(r, "lose_interval", "ci_low"), pctOf(r, "lose_interval", "ci_high"), r.path("n").asInt(),
                100 * wl.path("estimate").asDouble(Double.NaN), 100 * wl.path("ci_low").asDouble(Double.NaN),
                100 * wl.path("ci_high").asDouble(Double.NaN), 100 * r.path("identical_answers").asDouble(Double.NaN),
                r.path("mean_score_a").asDouble(), r.path("mean_score_b").asDouble());
    }

    private static double pct(JsonNode r, String field) {
        return 100 * r.path(field).asDouble(Double.NaN);
    }

    private static double pctOf(JsonNode r, String obj, String field) {
        return 100 * r.path(obj).path(field).asDouble(Double.NaN);
    }
}
