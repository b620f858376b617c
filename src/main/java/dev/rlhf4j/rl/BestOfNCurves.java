package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.stats.BestOfN;
import dev.rlhf4j.eval.stats.ClusterBootstrap;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Best-of-n over-optimisation curves (Gao et al. 2023, METHODS.md §8): N samples per prompt from one policy, each
 * reward model picks the best of n, and the gold reward of the pick is plotted against KL_bon = log n − (n − 1)/n.
 * Every n comes from the same N samples through the exact estimator over all n-subsets ({@link BestOfN}), so the
 * curves of different reward models are paired: they rank the same samples. Intervals are bootstrap intervals
 * over prompts; from the second reward model on, each curve's difference from the first is tested on the same
 * prompts.
 */
public final class BestOfNCurves {
    private BestOfNCurves() {}

    /**
     * @param prompts   distinct prompts
     * @param samples   {@code samples.get(i)}: the N answers to prompt i
     * @param gold      the gold reward of every answer, {@code gold[i][j]}
     * @param selectors each reward model's name and its score of every answer
     * @param ns        the n of each point (each ≤ N)
     */
    public static ObjectNode curves(List<String> prompts, List<List<String>> samples, double[][] gold, List<Scores> selectors,
                                    int[] ns, ClusterBootstrap boot) {
        int p = prompts.size();
        int total = samples.isEmpty() ? 0 : samples.get(0).size();
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("prompts", p);
        o.put("samples_per_prompt", total);
        ArrayNode nArr = o.putArray("n"), klArr = o.putArray("kl_bon");
        for (int n : ns) {
            if (n > total) throw new IllegalArgumentException("n = " + n + " needs at least " + n + " samples per prompt, have " + total);
            nArr.add(n);
            klArr.add(BestOfN.klBon(n));
        }
        double[][][] goldOfPick = new double[selectors.size()][ns.length][p];
        ArrayNode curves = o.putArray("curves");
        for (int s = 0; s < selectors.size(); s++) {
            Scores sel = selectors.get(s);
            ObjectNode c = curves.addObject();
            c.put("reward_model", sel.name());
            ArrayNode pts = c.putArray("points");
            for (int k = 0; k < ns.length; k++) {
                double[] proxy = new double[p];
                for (int i = 0; i < p; i++) {
                    goldOfPick[s][k][i] = BestOfN.expectedPick(sel.scores()[i], gold[i], ns[k]);
                    proxy[i] = BestOfN.expectedPick(sel.scores()[i], sel.scores()[i], ns[k]);
                }
                double[] g = goldOfPick[s][k];
                ObjectNode pt = pts.addObject();
                pt.put("n", ns[k]);
                pt.put("kl_bon", BestOfN.klBon(ns[k]));
                pt.set("gold", boot.interval(p, w -> ClusterBootstrap.mean(g, w)).toJson());
                pt.set("proxy", boot.interval(p, w -> ClusterBootstrap.mean(proxy, w)).toJson());
                if (s > 0) {
                    double[] d = new double[p];
                    for (int i = 0; i < p; i++) d[i] = g[i] - goldOfPick[0][k][i];
                    pt.set("gold_minus_first", boot.test(p, w -> ClusterBootstrap.mean(d, w)).toJson());
                }
            }
        }
        o.set("bootstrap", boot.toJson("distinct prompt"));
        return o;
    }

    /** A reward model's name and its score of every answer, {@code scores[i][j]}. */
    public record Scores(String name, double[][] scores) {}

    /** Every answer with its gold and each model's score, one line per answer (for analyses of one's own). */
    public static void writeSamples(Path file, List<String> prompts, List<List<String>> samples, double[][] gold, List<Scores> selectors) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (int i = 0; i < prompts.size(); i++) {
                    for (int j = 0; j < samples.get(i).size(); j++) {
                        ObjectNode o = Json.MAPPER.createObjectNode();
                        o.put("prompt", prompts.get(i));
                        o.put("sample", j);
                        o.put("response", samples.get(i).get(j));
                        o.put("gold", gold[i][j]);
                        ObjectNode sc = o.putObject("scores");
                        for (Scores s : selectors) sc.put(s.name(), s.scores()[i][j]);
                        w.write(Json.MAPPER.writeValueAsString(o));
                        w.write('\n');
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The curves as a text table: one row per n, gold of the pick with its interval per reward model. */
    public static String table(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "best-of-n on %d prompts, %d samples each; gold of the pick, mean [95%% interval over prompts]%n",
                r.path("prompts").asInt(), r.path("samples_per_prompt").asInt()));
        b.append(String.format(Locale.ROOT, "%5s %8s", "n", "KL_bon"));
        for (JsonNode c : r.path("curves")) b.append(String.format(Locale.ROOT, "  %-28s", abbreviate(c.path("reward_model").asText(), 28)));
        b.append('\n');
        JsonNode ns = r.path("n");
        for (int k = 0; k < ns.size(); k++) {
            b.append(String.format(Locale.ROOT, "%5d %8.4f", ns.get(k).asInt(), r.path("kl_bon").get(k).asDouble()));
            for (JsonNode c : r.path("curves")) {
                JsonNode g = c.path("points").get(k).path("gold");
                b.append(String.format(Locale.ROOT, "  %+8.4f [%+8.4f, %+8.4f]", g.path("estimate").asDouble(Double.NaN),
                        g.path("ci_low").asDouble(Double.NaN), g.path("ci_high").asDouble(Double.NaN)));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** {@code s}, its start cut to {@code max} characters ("…" first) when longer. */
    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : "…" + s.substring(s.length() - max + 1);
    }
}
