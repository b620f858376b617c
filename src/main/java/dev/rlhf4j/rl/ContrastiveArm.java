package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.stats.BestOfN;
import dev.rlhf4j.model.decoder.GenerationConfig;

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

/**
 * The contrastive reward model in an {@link Experiment} (issue 23, claim 3). A shared stage (fixed across seeds, like the
 * baseline and Flip + Margin RMs): the contrastive variants (SimCSE and SwAV, each on pair or difference representations)
 * trained on the baseline's data with its loss and settings ({@link Trainer}, filled by {@code cli} with {@code demo});
 * the best of them chosen on the noisy <b>validation</b> pairs only ({@link #choose}: accuracy against their given labels,
 * ties broken by the lower validation loss), never on the clean test pairs or gold. Then, on the same samples as
 * {@code bon/bon.json} (read back from {@code bon_samples.jsonl}, so that file and its stage stay untouched), the third
 * best-of-n curve ({@code bon/bon_contrastive.json}: baseline, Flip + Margin and the contrastive RM, each difference from
 * the baseline with a bootstrap interval over prompts); per seed, the contrastive RM's accuracy on the final
 * baseline-PPO policy's samples beside the baseline RM's, on the same pairs.
 */
public final class ContrastiveArm {
    private ContrastiveArm() {}

    /** The variants {@code demo --contrastive} trains with the baseline's loss (BT on the given labels). */
    public static final List<String> VARIANTS = List.of("simcse-pairs", "simcse-difference", "swav-pairs", "swav-difference");
    /** Under the experiment's {@code rms/}: one directory per variant with its {@link #ROW}, and the choice. */
    public static final String DIR = "contrastive", ROW = "row.json", CHOICE = "choice.json", BON = "bon_contrastive.json",
            ON_POLICY = "baseline-last-contrastive";

    /** Trains each variant into {@code dir/VARIANT} (the checkpoint and its {@link #ROW}, written last; skipped where it exists). */
    @FunctionalInterface
    public interface Trainer {
        void train(Path dir, List<String> variants) throws IOException;
    }

    /** A candidate's figures on the noisy validation pairs: accuracy against their given labels, and the BT loss there. */
    public record Candidate(String name, double validAccuracy, double validLoss) {}

    /** The index of the best candidate: highest validation accuracy, then lowest validation loss, then the first. */
    public static int choose(List<Candidate> cs) {
        if (cs.isEmpty()) throw new IllegalArgumentException("no contrastive reward model to choose from");
        int best = 0;
        for (int i = 1; i < cs.size(); i++) {
            Candidate a = cs.get(i), b = cs.get(best);
            if (a.validAccuracy() > b.validAccuracy() || (a.validAccuracy() == b.validAccuracy() && a.validLoss() < b.validLoss())) best = i;
        }
        return best;
    }

    /** The chosen RM's name and directory, or null where the arm has not run. */
    record Chosen(String name, Path dir) {
        String label() {
            return "contrastive (" + name + ")";
        }
    }

    static Chosen chosen(Path out) {
        JsonNode ch = Experiment.read(out.resolve("rms").resolve(DIR).resolve(CHOICE));
        if (ch == null) return null;
        String n = ch.path("chosen").asText();
        return new Chosen(n, out.resolve("rms").resolve(DIR).resolve(n));
    }

    /** Trains and chooses (once), then the third best-of-n curve (once). */
    static Chosen shared(Experiment.Config c, List<String> variants, Experiment.Shared sh, Path out, Trainer trainer, Device device,
                         ObjectNode provenance, Map<String, Double> times) {
        Path dir = out.resolve("rms").resolve(DIR);
        if (!Files.isRegularFile(dir.resolve(CHOICE))) {
            Experiment.stage("contrastive reward models " + variants + " (the baseline's data, loss and settings) -> " + dir);
            long t = System.nanoTime();
            double c0 = Experiment.cpuSeconds();
            try {
                trainer.train(dir, variants);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ObjectNode o = choice(dir, variants, sh.rmValid().size());
            Experiment.timed(times, "contrastive_rms", t, c0);
            o.put("seconds", times.get("contrastive_rms"));
            o.put("cpu_seconds", times.get("contrastive_rms_cpu"));
            Json.write(dir.resolve(CHOICE), o);
        }
        Chosen ch = chosen(out);
        Path bon = out.resolve("bon");
        if (!Files.isRegularFile(bon.resolve(BON))) {
            Experiment.stage("best-of-n from SFT, " + ch.label() + ", on the samples of bon/bon.json");
            long t = System.nanoTime();
            double c0 = Experiment.cpuSeconds();
            BonSamples b = BonSamples.read(bon.resolve("bon_samples.jsonl"));
            JsonNode first = Experiment.read(bon.resolve("bon.json"));
            int[] ns = new int[first.path("n").size()];
            for (int k = 0; k < ns.length; k++) ns[k] = first.path("n").get(k).asInt();
            List<BestOfNCurves.Scores> scores = new ArrayList<>();
            for (String rm : List.of("baseline", "flip+margin")) scores.add(new BestOfNCurves.Scores(rm, b.scores().get(rm)));
            scores.add(Experiment.scores(ch.label(), ch.dir(), b.prompts(), b.samples(), device));
            ObjectNode r = BestOfNCurves.curves(b.prompts(), b.samples(), b.gold(), scores, ns.length == 0 ? BestOfN.powersOfTwo(c.bonMax()) : ns,
                    Experiment.boot(c));
            r.put("policy", first.path("policy").asText());
            r.set("generation", first.path("generation"));
            r.put("samples_from", "bon/bon_samples.jsonl (the samples, gold and baseline / Flip+Margin scores of bon/bon.json)");
            r.put("contrastive_selection", "chosen on the noisy validation pairs only: rms/" + DIR + "/" + CHOICE);
            r.set("provenance", provenance);
            BestOfNCurves.writeSamples(bon.resolve("bon_contrastive_samples.jsonl"), b.prompts(), b.samples(), b.gold(), scores);
            Experiment.timed(times, "bon_contrastive", t, c0);
            r.put("seconds", times.get("bon_contrastive"));
            Json.write(bon.resolve(BON), r);
        }
        return ch;
    }

    /**
     * The choice among the trained variants, from their rows in {@code dir/VARIANT/row.json}: only the validation figures
     * ({@code given_accuracy_valid}, {@code given_loss_valid}) enter {@link #choose}; the rows are kept for the record.
     */
    static ObjectNode choice(Path dir, List<String> variants, int validPairs) {
        List<Candidate> cs = new ArrayList<>();
        ObjectNode o = Json.MAPPER.createObjectNode();
        ArrayNode rows = o.putArray("candidates");
        for (String v : variants) {
            JsonNode row = Experiment.read(dir.resolve(v).resolve(ROW));
            if (row == null) throw new IllegalStateException("contrastive reward model " + v + " was not trained into " + dir.resolve(v));
            cs.add(new Candidate(v, row.path("given_accuracy_valid").asDouble(Double.NaN), row.path("given_loss_valid").asDouble(Double.NaN)));
            rows.add(row);
        }
        int best = choose(cs);
        o.put("chosen", cs.get(best).name());
        o.put("criterion", "accuracy against the given (noisy) labels of the " + validPairs + " validation pairs, ties by the lower "
                + "validation loss; the clean test pairs and gold were not used (their figures in the candidates are reported only)");
        return o;
    }

    /** Seed s: the baseline and the contrastive RM on the final baseline-PPO policy's samples (those of {@code baseline-last}). */
    static void seed(Experiment.Config c, Experiment.Shared sh, Chosen ch, long s, Path d, Device device, ObjectNode provenance,
                     Map<String, Double> times) {
        if (ch == null) return;
        List<String> onP = Experiment.first(PolicySamples.distinct(sh.heldout()), c.onPolicyPrompts());
        GenerationConfig onGen = c.ppo().sampling(s + 11); // Experiment's seed(): the same prompts, settings and seeds, so the same samples
        Experiment.onPolicy(d.resolve("ppo-baseline"), List.of(Map.entry("baseline", sh.baselineRm()), Map.entry(ch.label(), ch.dir())), onP, c, onGen,
                d.resolve("rm-on-policy").resolve(ON_POLICY), device, provenance, times);
    }

    static boolean seedDone(Path d) {
        return Files.isRegularFile(d.resolve("rm-on-policy").resolve(ON_POLICY).resolve("rm_on_policy.json"));
    }

    /** The per-seed claim (none when no seed has the measurement). */
    static void claims(ArrayNode claims, long[] seeds, Path out) {
        double[] v = new double[seeds.length];
        boolean any = false;
        String label = "contrastive";
        for (int i = 0; i < seeds.length; i++) {
            JsonNode r = Experiment.read(out.resolve("seed-" + seeds[i]).resolve("rm-on-policy").resolve(ON_POLICY).resolve("rm_on_policy.json"));
            JsonNode d = r == null ? null : r.path("policies").path(0).path("paired").path(0);
            v[i] = d == null || !d.path("accuracy_difference").path("estimate").isNumber() ? Double.NaN
                    : d.path("accuracy_difference").path("estimate").asDouble();
            if (d != null) {
                any = true;
                label = d.path("reward_model").asText(label);
            }
        }
        if (!any) return;
        claims.add(ExperimentClaims.claim(new ExperimentClaims.Comparison(
                label + " minus baseline RM accuracy on final baseline-PPO samples (same pairs)", "rm_on_policy.accuracy_difference", seeds, v,
                null, "none: one pair of RMs per seed (the contrastive RM chosen on the noisy validation pairs only)")));
    }

    /** The best-of-n differences from the baseline at each n (fixed across seeds), from {@code bon/bon_contrastive.json}. */
    static void fixed(ArrayNode fixed, Path out) {
        JsonNode bon = Experiment.read(out.resolve("bon").resolve(BON));
        if (bon == null) return;
        int last = bon.path("curves").size() - 1;
        JsonNode curve = bon.path("curves").path(last);
        for (int k = 0; k < bon.path("n").size(); k++) {
            int nn = bon.path("n").get(k).asInt();
            ObjectNode f = fixed.addObject();
            f.put("name", "best-of-" + nn + " from SFT: " + curve.path("reward_model").asText() + " minus baseline, gold of the pick");
            f.put("metric", "bon.gold_minus_first");
            f.put("n", nn);
            f.put("reward_model", curve.path("reward_model").asText());
            f.set("baseline_gold", bon.path("curves").path(0).path("points").path(k).path("gold"));
            f.set("contrastive_gold", curve.path("points").path(k).path("gold"));
            f.set("difference", curve.path("points").path(k).path("gold_minus_first"));
            f.put("interval", "95% bootstrap over prompts (one run: the curves do not depend on the PPO seed)");
            f.put("selection", "the contrastive RM was chosen on the noisy validation pairs only, never on the clean test pairs or gold");
        }
    }

    /** The samples, gold and scores of {@code bon_samples.jsonl}, prompts in file order. */
    record BonSamples(List<String> prompts, List<List<String>> samples, double[][] gold, Map<String, double[][]> scores) {
        static BonSamples read(Path file) {
            Map<String, List<String>> texts = new LinkedHashMap<>();
            Map<String, List<Double>> golds = new LinkedHashMap<>();
            Map<String, Map<String, List<Double>>> sc = new LinkedHashMap<>();
            try {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) continue;
                    JsonNode o = Json.MAPPER.readTree(line);
                    String p = o.path("prompt").asText();
                    if (o.path("sample").asInt() != texts.computeIfAbsent(p, k -> new ArrayList<>()).size()) {
                        throw new IllegalStateException(file + ": samples of a prompt out of order");
                    }
                    texts.get(p).add(o.path("response").asText());
                    golds.computeIfAbsent(p, k -> new ArrayList<>()).add(o.path("gold").asDouble());
                    o.path("scores").fields().forEachRemaining(e ->
                            sc.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).computeIfAbsent(p, k -> new ArrayList<>()).add(e.getValue().asDouble()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
            }
            List<String> ps = new ArrayList<>(texts.keySet());
            List<List<String>> samples = new ArrayList<>();
            double[][] gold = new double[ps.size()][];
            for (int i = 0; i < ps.size(); i++) {
                samples.add(texts.get(ps.get(i)));
                gold[i] = golds.get(ps.get(i)).stream().mapToDouble(Double::doubleValue).toArray();
            }
            Map<String, double[][]> scores = new LinkedHashMap<>();
            for (Map.Entry<String, Map<String, List<Double>>> e : sc.entrySet()) {
                double[][] m = new double[ps.size()][];
                for (int i = 0; i < ps.size(); i++) m[i] = e.getValue().get(ps.get(i)).stream().mapToDouble(Double::doubleValue).toArray();
                scores.put(e.getKey(), m);
            }
            return new BonSamples(ps, samples, gold, scores);
        }
    }

    /** The contrastive candidates and the choice, as markdown (empty when the arm has not run). */
    static String markdown(JsonNode ch) {
        if (ch == null || ch.isMissingNode() || ch.isNull()) return "";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nContrastive RM: %s, chosen by %s.%n%n"
                + "| candidate | accuracy vs given labels (validation) | validation loss | gold accuracy, clean test (not used) |%n| --- | --- | --- | --- |%n",
                ch.path("chosen").asText(), ch.path("criterion").asText()));
        for (JsonNode r : ch.path("candidates")) {
            b.append(String.format(Locale.ROOT, "| %s | %.4f | %.4f | %.4f |%n", r.path("variant").asText(), r.path("given_accuracy_valid").asDouble(Double.NaN),
                    r.path("given_loss_valid").asDouble(Double.NaN), r.path("gold_accuracy_test").asDouble(Double.NaN)));
        }
        return b.toString();
    }
}
