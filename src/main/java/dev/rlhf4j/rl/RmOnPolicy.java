package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.stats.ClusterBootstrap;
import dev.rlhf4j.eval.stats.KendallTau;
import dev.rlhf4j.eval.stats.PromptPairs;

import java.util.List;
import java.util.Locale;

/**
 * Reward-model accuracy on the policy's own distribution (METHODS.md §8): k samples per held-out prompt from the
 * policy the reward model serves; on the within-prompt pairs whose gold differs, each model's pairwise accuracy
 * against gold, the mean over prompts of Kendall's τ-b between its scores and gold, its accuracy per band of
 * |Δ gold| (quartiles of the gaps over all pairs, so every model is banded alike) and MetaRM's difference loss J,
 * each with a 95% bootstrap interval over prompts. With two or more models, each model's accuracy minus the
 * first's on the same pairs, with a paired bootstrap test.
 */
public final class RmOnPolicy {
    private RmOnPolicy() {}

    /**
     * @param gold   {@code gold[i][j]}: gold of sample j of prompt i
     * @param models each reward model's name and its score of every sample
     */
    public static ObjectNode measure(double[][] gold, List<BestOfNCurves.Scores> models, ClusterBootstrap boot) {
        int p = gold.length;
        double[] edges = PromptPairs.quartileEdges(PromptPairs.goldGaps(gold));
        int bands = edges.length + 1;
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("prompts", p);
        o.put("samples_per_prompt", p == 0 ? 0 : gold[0].length);
        int pairs = 0, tied = 0, withPairs = 0;
        for (double[] g : gold) {
            int here = PromptPairs.count(g, g, edges).pairs();
            pairs += here;
            tied += g.length * (g.length - 1) / 2 - here;
            if (here > 0) withPairs++;
        }
        o.put("pairs", pairs);
        o.put("gold_tied_pairs", tied);
        o.put("prompts_with_pairs", withPairs);
        ArrayNode e = o.putArray("band_edges");
        for (double x : edges) e.add(x);
        double[][] credit = new double[models.size()][];
        double[] count = new double[p];
        ArrayNode arr = o.putArray("reward_models");
        for (int m = 0; m < models.size(); m++) {
            double[][] r = models.get(m).scores();
            double[] cr = new double[p], tau = new double[p], j = new double[p];
            double[][] bandCredit = new double[bands][p], bandCount = new double[bands][p];
            for (int i = 0; i < p; i++) {
                PromptPairs.Counts c = PromptPairs.count(gold[i], r[i], edges);
                cr[i] = c.credit();
                count[i] = c.pairs();
                tau[i] = KendallTau.tauB(r[i], gold[i]);
                j[i] = PromptPairs.differenceLoss(r[i]);
                for (int b = 0; b < bands; b++) {
                    bandCredit[b][i] = c.bandCredit()[b];
                    bandCount[b][i] = c.bandPairs()[b];
                }
            }
            credit[m] = cr;
            ObjectNode mo = arr.addObject();
            mo.put("reward_model", models.get(m).name());
            mo.set("accuracy", boot.interval(p, w -> ClusterBootstrap.ratio(cr, count, w)).toJson());
            mo.set("kendall_tau", boot.interval(p, w -> ClusterBootstrap.mean(tau, w)).toJson());
            int tauPrompts = 0;
            for (double t : tau) if (!Double.isNaN(t)) tauPrompts++;
            mo.put("kendall_tau_prompts", tauPrompts);
            mo.set("difference_loss_j", boot.interval(p, w -> ClusterBootstrap.mean(j, w)).toJson());
            ArrayNode ba = mo.putArray("by_gold_gap");
            for (int b = 0; b < bands; b++) {
                double[] bc = bandCredit[b], bn = bandCount[b];
                ObjectNode bo = ba.addObject();
                bo.put("above", b == 0 ? 0 : edges[b - 1]);
                if (b < edges.length) bo.put("up_to", edges[b]);
                else bo.putNull("up_to");
                int n = 0;
                for (double x : bn) n += (int) x;
                bo.put("pairs", n);
                bo.set("accuracy", boot.interval(p, w -> ClusterBootstrap.ratio(bc, bn, w)).toJson());
            }
        }
        ArrayNode paired = o.putArray("paired");
        for (int m = 1; m < models.size(); m++) {
            double[] d = new double[p];
            for (int i = 0; i < p; i++) d[i] = credit[m][i] - credit[0][i];
            ObjectNode po = paired.addObject();
            po.put("reward_model", models.get(m).name());
            po.put("minus", models.get(0).name());
            po.set("accuracy_difference", boot.test(p, w -> ClusterBootstrap.ratio(d, count, w)).toJson());
        }
        o.set("bootstrap", boot.toJson("distinct prompt"));
        return o;
    }

    /** One measurement as text: a row per reward model, then the bands and the paired differences. */
    public static String table(JsonNode r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%s: %d prompts × %d samples, %d pairs with different gold (%d gold ties left out); "
                        + "mean [95%% interval over prompts]%n", r.path("policy").asText("policy"), r.path("prompts").asInt(),
                r.path("samples_per_prompt").asInt(), r.path("pairs").asInt(), r.path("gold_tied_pairs").asInt()));
        b.append(String.format(Locale.ROOT, "  %-30s %-24s %-24s %-24s%n", "reward model", "accuracy", "Kendall τ-b", "J"));
        for (JsonNode m : r.path("reward_models")) {
            b.append(String.format(Locale.ROOT, "  %-30s %-24s %-24s %-24s%n", BestOfNCurves.abbreviate(m.path("reward_model").asText(), 30),
                    fmt(m.path("accuracy")), fmt(m.path("kendall_tau")), fmt(m.path("difference_loss_j"))));
        }
        for (JsonNode m : r.path("reward_models")) {
            b.append("  accuracy by |Δ gold|, ").append(BestOfNCurves.abbreviate(m.path("reward_model").asText(), 30)).append(':');
            for (JsonNode band : m.path("by_gold_gap")) {
                b.append(String.format(Locale.ROOT, " (%.3g, %s] %s (%d pairs);", band.path("above").asDouble(),
                        band.path("up_to").isNull() ? "∞" : String.format(Locale.ROOT, "%.3g", band.path("up_to").asDouble()),
                        fmt(band.path("accuracy")), band.path("pairs").asInt()));
            }
            b.append('\n');
        }
        for (JsonNode d : r.path("paired")) {
            JsonNode a = d.path("accuracy_difference");
            b.append(String.format(Locale.ROOT, "  %s − %s, same pairs: %+.4f [%+.4f, %+.4f], bootstrap p %.3f%n",
                    BestOfNCurves.abbreviate(d.path("reward_model").asText(), 30), BestOfNCurves.abbreviate(d.path("minus").asText(), 30),
                    a.path("estimate").asDouble(Double.NaN), a.path("ci_low").asDouble(Double.NaN), a.path("ci_high").asDouble(Double.NaN),
                    a.path("p_bootstrap").asDouble(Double.NaN)));
        }
        return b.toString();
    }

    private static String fmt(JsonNode i) {
        return String.format(Locale.ROOT, "%.4f [%.4f, %.4f]", i.path("estimate").asDouble(Double.NaN),
                i.path("ci_low").asDouble(Double.NaN), i.path("ci_high").asDouble(Double.NaN));
    }
}
