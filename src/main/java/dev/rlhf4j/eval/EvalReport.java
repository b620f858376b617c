package dev.rlhf4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation report of a reward model on a set of pairs: overall metrics against the given
 * labels, a breakdown by a record field, and, when the records carry gold rewards, metrics
 * against the gold labels and on the subset where given and gold labels agree.
 */
public final class EvalReport {
    private EvalReport() {}

    public static ObjectNode build(List<PreferencePair> pairs, float[] chosen, float[] rejected, String byField, boolean gold) {
        ObjectNode o = PairMetrics.of(chosen, rejected).toJson();
        if (byField != null) {
            Map<String, List<Integer>> groups = new LinkedHashMap<>();
            for (int i = 0; i < pairs.size(); i++) {
                JsonNode v = pairs.get(i).record().get(byField);
                String key = v == null || v.isNull() ? "(none)" : v.isValueNode() ? v.asText() : v.toString();
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
            }
            ObjectNode by = o.putObject("by");
            by.put("field", byField);
            ObjectNode g = by.putObject("groups");
            groups.forEach((k, idx) -> g.set(k, subset(chosen, rejected, idx, null).toJson()));
        }
        if (gold) o.set("gold", goldMetrics(pairs, chosen, rejected));
        return o;
    }

    /** Metrics against the gold labels ({@code gold_chosen} vs {@code gold_rejected} of each record). */
    public static ObjectNode goldMetrics(List<PreferencePair> pairs, float[] chosen, float[] rejected) {
        GoldOrder order = GoldOrder.of(pairs);
        List<Integer> all = order.pairs();
        boolean[] swap = order.swap();
        List<Integer> agree = new ArrayList<>();
        for (int i : all) if (!swap[i]) agree.add(i);
        ObjectNode g = JsonNodeFactory.instance.objectNode();
        g.set("against_gold", subset(chosen, rejected, all, swap).toJson());
        g.set("on_agreeing_subset", subset(chosen, rejected, agree, null).toJson());
        g.put("label_agrees_with_gold", all.isEmpty() ? Double.NaN : (double) agree.size() / all.size());
        g.put("gold_ties_excluded", order.ties());
        return g;
    }

    /**
     * This model ({@code a}) against another ({@code b}) on the same pairs, each {@code [0]} chosen,
     * {@code [1]} rejected: the paired accuracy difference on the given labels and, with
     * {@code gold}, against the gold labels (pairs with equal gold rewards left out, as in {@link #goldMetrics}).
     */
    public static ObjectNode comparison(List<PreferencePair> pairs, float[][] a, float[][] b, boolean gold) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("given", PairedDifference.of(a, b).toJson());
        if (gold) {
            GoldOrder g = GoldOrder.of(pairs);
            o.set("against_gold", PairedDifference.of(g.orient(a), g.orient(b)).toJson());
        }
        return o;
    }

    /**
     * ECE, Brier and loss of the raw rewards and of the rewards divided by the checkpoint's temperature, each with its
     * reliability table; accuracy is the same on both scales.
     *
     * @param raw         raw rewards, {@code [0]} chosen, {@code [1]} rejected
     * @param calibration the checkpoint's calibration block (its {@code temperature} and where it was fitted)
     */
    public static ObjectNode calibration(float[][] raw, JsonNode calibration) {
        double t = calibration.path("temperature").asDouble();
        float[] c = TemperatureScaling.scale(raw[0], t), r = TemperatureScaling.scale(raw[1], t);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("temperature", t);
        if (calibration.has("pairs")) o.put("fitted_on_pairs", calibration.path("pairs").asInt());
        if (calibration.has("data")) o.set("fitted_on", calibration.get("data"));
        ObjectNode before = PairMetrics.of(raw[0], raw[1]).toJson();
        before.set("reliability", PairMetrics.reliabilityJson(raw[0], raw[1]));
        ObjectNode after = PairMetrics.of(c, r).toJson();
        after.set("reliability", PairMetrics.reliabilityJson(c, r));
        o.set("before", before);
        o.set("after", after);
        return o;
    }

    /** The pairs whose gold rewards differ, and for each whether gold prefers the given rejected response. */
    private record GoldOrder(List<Integer> pairs, boolean[] swap, int ties) {
        static GoldOrder of(List<PreferencePair> pairs) {
            List<Integer> all = new ArrayList<>();
            boolean[] swap = new boolean[pairs.size()];
            int ties = 0;
            for (int i = 0; i < pairs.size(); i++) {
                PreferencePair p = pairs.get(i);
                var gc = p.number("gold_chosen");
                var gr = p.number("gold_rejected");
                if (gc.isEmpty() || gr.isEmpty()) {
                    throw new IllegalArgumentException(p.file() + ":" + p.line() + ": --gold needs numeric gold_chosen and "
                            + "gold_rejected fields, which pair '" + p.id() + "' lacks");
                }
                if (gc.getAsDouble() == gr.getAsDouble()) {
                    ties++;
                    continue;
                }
                all.add(i);
                swap[i] = gc.getAsDouble() < gr.getAsDouble();
            }
            return new GoldOrder(all, swap, ties);
        }

        /** Rewards of the gold-preferred ({@code [0]}) and gold-dispreferred ({@code [1]}) response of each pair. */
        float[][] orient(float[][] s) {
            return gather(s[0], s[1], pairs, swap);
        }
    }

    static PairMetrics subset(float[] chosen, float[] rejected, List<Integer> idx, boolean[] swap) {
        float[][] g = gather(chosen, rejected, idx, swap);
        return PairMetrics.of(g[0], g[1]);
    }

    /** The rewards of pairs {@code idx}, chosen ({@code [0]}) and rejected ({@code [1]}) exchanged where {@code swap} says. */
    private static float[][] gather(float[] chosen, float[] rejected, List<Integer> idx, boolean[] swap) {
        float[][] g = new float[2][idx.size()];
        for (int k = 0; k < idx.size(); k++) {
            int i = idx.get(k);
            boolean s = swap != null && swap[i];
            g[0][k] = s ? rejected[i] : chosen[i];
            g[1][k] = s ? chosen[i] : rejected[i];
        }
        return g;
    }

    public static void print(ObjectNode r, PrintStream out) {
        out.println(line("all", r));
        if (r.has("by")) {
            out.println("by " + r.path("by").path("field").asText() + ":");
            Iterator<Map.Entry<String, JsonNode>> it = r.path("by").path("groups").fields();
            while (it.hasNext()) {
                var e = it.next();
                out.println("  " + line(e.getKey(), e.getValue()));
            }
        }
        if (r.has("gold")) {
            JsonNode g = r.get("gold");
            out.println(line("against gold", g.get("against_gold")));
            out.println(line("where label = gold", g.get("on_agreeing_subset")));
            out.printf("given labels agree with gold on %.3f of pairs%n", g.path("label_agrees_with_gold").asDouble());
        }
        if (r.has("calibration")) {
            JsonNode c = r.get("calibration"), b = c.get("before"), a = c.get("after");
            out.printf(java.util.Locale.ROOT, "calibration T=%.4f: ece %.4f -> %.4f  brier %.4f -> %.4f  loss %.4f -> %.4f  (metrics above: %s rewards)%n",
                    c.path("temperature").asDouble(), b.path("ece").asDouble(), a.path("ece").asDouble(),
                    b.path("brier").asDouble(), a.path("brier").asDouble(), b.path("loss").asDouble(), a.path("loss").asDouble(),
                    r.path("scale").asText());
        }
        if (r.has("compare")) {
            JsonNode c = r.get("compare");
            out.println("minus " + c.path("model").asText() + " on the same pairs (95% interval of the paired difference):");
            out.println(difference("given labels", c.get("given")));
            if (c.has("against_gold")) out.println(difference("against gold", c.get("against_gold")));
        }
    }

    private static String difference(String name, JsonNode d) {
        return String.format("  %-18s n=%-6d %+.4f ±%.4f  (only this model right: %d, only the other: %d)", name,
                d.path("n").asInt(), d.path("accuracy_difference").asDouble(), d.path("ci95").asDouble(),
                d.path("only_this_right").asInt(), d.path("only_other_right").asInt());
    }

    private static String line(String name, JsonNode m) {
        return String.format("%-20s n=%-6d accuracy %.4f ±%.3f  loss %.4f  gap %.3f  ece %.4f  brier %.4f", name,
                m.path("n").asInt(), m.path("accuracy").asDouble(), m.path("accuracy_ci95").asDouble(),
                m.path("loss").asDouble(), m.path("mean_gap").asDouble(), m.path("ece").asDouble(), m.path("brier").asDouble());
    }
}
