package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.decoder.Generator;
import dev.rlhf4j.synth.Family;
import dev.rlhf4j.synth.GoldReward;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Win / tie / lose of policy A against policy B: both answer every prompt (the same sampling settings and seed),
 * a {@link Judge} compares the answers. The paper's Tables 2 and 3 in the controlled task's terms.
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

    /** The policy directory of a run: {@code RUN/policy} when present, else {@code RUN} itself. */
    public static Path policyOf(Path run) {
        Path p = run.resolve("policy");
        if (Files.isRegularFile(p.resolve("config.json"))) return p;
        if (Files.isRegularFile(run.resolve("config.json")) || Files.isRegularFile(run)) return run;
        throw new IllegalArgumentException(run + " is neither a policy directory (config.json) nor a run with policy/");
    }

    /** Responses of a policy to prompts, batched. */
    public static List<String> respond(Path policy, List<String> prompts, GenerationConfig gen, int maxPromptTokens, Device device) {
        try (CausalLm lm = CausalLm.load(policyOf(policy), device)) {
            PolicyText text = new PolicyText(lm, maxPromptTokens);
            Generator g = new Generator(lm);
            List<String> out = new ArrayList<>(prompts.size());
            List<int[]> all = new ArrayList<>(prompts.size());
            for (String p : prompts) all.add(text.prompt(p));
            // Sample indices over the whole list, so a prompt's answers draw the same streams however the batches fall.
            int[] sample = Generator.occurrences(all);
            GenerationConfig cfg = new GenerationConfig(gen.maxNewTokens(), gen.greedy(), gen.temperature(), gen.topK(),
                    gen.topP(), gen.repetitionPenalty(), gen.stopStrings(), true, true, gen.seed());
            for (int s = 0; s < prompts.size(); s += 64) {
                int e = Math.min(prompts.size(), s + 64);
                for (Generator.Generation x : g.generate(all.subList(s, e), Arrays.copyOfRange(sample, s, e), cfg).generations()) {
                    out.add(x.text());
                }
            }
            return out;
        }
    }

    /**
     * Judges A against B and writes {@code judge.json} (overall and per family of the controlled task) and
     * {@code judge.jsonl} (each prompt, both responses, both scores, the verdict) into {@code outDir}.
     */
    public static ObjectNode run(Path a, Path b, List<String> prompts, Judge judge, GenerationConfig gen, int maxPromptTokens,
                                 Device device, Path outDir, ObjectNode provenance) {
        List<String> ra = respond(a, prompts, gen, maxPromptTokens, device);
        List<String> rb = respond(b, prompts, gen, maxPromptTokens, device);
        List<Judge.Decision> ds = judge.judge(prompts, ra, rb);
        int[] all = new int[3];
        Map<String, int[]> byFamily = new TreeMap<>();
        try {
            Files.createDirectories(outDir);
            try (BufferedWriter w = Files.newBufferedWriter(outDir.resolve("judge.jsonl"), StandardCharsets.UTF_8)) {
                for (int i = 0; i < ds.size(); i++) {
                    Judge.Decision d = ds.get(i);
                    all[d.verdict().ordinal()]++;
                    Family f = GoldReward.familyOf(prompts.get(i));
                    if (f != null) byFamily.computeIfAbsent(f.id(), k -> new int[3])[d.verdict().ordinal()]++;
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    o.put("prompt", prompts.get(i));
                    o.put("a", ra.get(i));
                    o.put("b", rb.get(i));
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
        Tally t = new Tally(all[0], all[1], all[2]);
        ObjectNode o = t.toJson();
        o.put("a", a.toString());
        o.put("b", b.toString());
        o.put("judge", judge.name());
        o.put("prompts", prompts.size());
        o.put("distinct_prompts", new java.util.HashSet<>(prompts).size());
        double ma = 0, mb = 0;
        for (Judge.Decision d : ds) {
            ma += d.scoreA();
            mb += d.scoreB();
        }
        o.put("mean_score_a", ma / ds.size());
        o.put("mean_score_b", mb / ds.size());
        ObjectNode fam = o.putObject("by_family");
        byFamily.forEach((k, v) -> fam.set(k, new Tally(v[0], v[1], v[2]).toJson()));
        o.set("generation", Json.MAPPER.valueToTree(gen));
        if (provenance != null) o.set("provenance", provenance);
        Json.write(outDir.resolve("judge.json"), o);
        return o;
    }
}
