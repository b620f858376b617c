package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Comparator;

/**
 * What a strength file says in aggregate: the share of pairs with μ̂ &lt; 0, the table of 20 equal
 * groups by μ̂ (count, mean μ̂, mean σ̂; the paper's Figure 2), and, when the data carry
 * ground truth ({@code flipped}), how well a low μ̂ finds the flipped pairs.
 */
public final class StrengthSummary {
    public static final int GROUPS = 20;

    private StrengthSummary() {}

    /**
     * @param flipped per-pair ground truth, or null when unknown
     * @param goldAgrees per-pair "the given label agrees with gold", or null
     */
    public static ObjectNode of(double[] mean, double[] std, boolean[] flipped, boolean[] goldAgrees) {
        int n = mean.length;
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("n", n);
        int neg = 0;
        for (double m : mean) if (m < 0) neg++;
        o.put("fraction_negative", n == 0 ? Double.NaN : (double) neg / n);
        Integer[] order = sortedByMean(mean);
        ArrayNode groups = o.putArray("groups");
        for (int g = 0; g < GROUPS; g++) {
            int from = (int) ((long) g * n / GROUPS), to = (int) ((long) (g + 1) * n / GROUPS);
            ObjectNode row = groups.addObject();
            row.put("group", g + 1);
            row.put("count", to - from);
            double sm = 0, ss = 0;
            int fl = 0, ag = 0;
            for (int k = from; k < to; k++) {
                sm += mean[order[k]];
                ss += std[order[k]];
                if (flipped != null && flipped[order[k]]) fl++;
                if (goldAgrees != null && goldAgrees[order[k]]) ag++;
            }
            int c = Math.max(1, to - from);
            row.put("mean_mu", sm / c);
            row.put("mean_sigma", ss / c);
            if (flipped != null) row.put("flipped_fraction", (double) fl / c);
            if (goldAgrees != null) row.put("label_agrees_with_gold", (double) ag / c);
        }
        if (flipped != null) {
            int positives = 0;
            for (boolean f : flipped) if (f) positives++;
            o.put("flipped", positives);
            o.put("flip_auc", rocAuc(negate(mean), flipped));
            // Flag the lowest-μ̂ k pairs, k = the number actually flipped (precision = recall then).
            int hits = 0;
            for (int k = 0; k < positives; k++) if (flipped[order[k]]) hits++;
            o.put("flip_precision_at_rate", positives == 0 ? Double.NaN : (double) hits / positives);
            o.put("flip_recall_at_rate", positives == 0 ? Double.NaN : (double) hits / positives);
            int negFlipped = 0;
            for (int i = 0; i < n; i++) if (mean[i] < 0 && flipped[i]) negFlipped++;
            o.put("flip_precision_mu_negative", neg == 0 ? Double.NaN : (double) negFlipped / neg);
            o.put("flip_recall_mu_negative", positives == 0 ? Double.NaN : (double) negFlipped / positives);
        }
        if (goldAgrees != null) {
            double[] wrong = new double[n];
            boolean[] isWrong = new boolean[n];
            for (int i = 0; i < n; i++) {
                isWrong[i] = !goldAgrees[i];
                wrong[i] = -mean[i];
            }
            o.put("wrong_label_auc", rocAuc(wrong, isWrong));
        }
        return o;
    }

    static Integer[] sortedByMean(double[] mean) {
        Integer[] order = new Integer[mean.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> mean[i]));
        return order;
    }

    private static double[] negate(double[] v) {
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = -v[i];
        return o;
    }

    /** ROC AUC of {@code score} for the positives (Mann–Whitney U, ties counted half). */
    public static double rocAuc(double[] score, boolean[] positive) {
        Integer[] order = new Integer[score.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> score[i]));
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && score[order[j + 1]] == score[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // average rank of the tie block
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    rankSumPos += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = score.length - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    public static void print(ObjectNode s, PrintStream out) {
        out.printf("pairs: %d, fraction with mean preference difference < 0: %.3f%n", s.path("n").asInt(),
                s.path("fraction_negative").asDouble());
        boolean fl = s.has("flip_auc");
        boolean gold = s.has("wrong_label_auc");
        out.printf("%5s %6s %9s %9s%s%s%n", "group", "count", "mean μ̂", "mean σ̂", fl ? "  flipped" : "",
                gold ? "  label=gold" : "");
        for (var row : s.withArray("groups")) {
            out.printf("%5d %6d %9.3f %9.3f%s%s%n", row.path("group").asInt(), row.path("count").asInt(),
                    row.path("mean_mu").asDouble(), row.path("mean_sigma").asDouble(),
                    fl ? String.format("  %7.3f", row.path("flipped_fraction").asDouble()) : "",
                    gold ? String.format("  %10.3f", row.path("label_agrees_with_gold").asDouble()) : "");
        }
        if (fl) {
            out.printf("finding the %d flipped pairs by low μ̂: ROC AUC %.4f, precision = recall at the flip rate %.3f; "
                            + "μ̂ < 0 flags them with precision %.3f, recall %.3f%n", s.path("flipped").asInt(),
                    s.path("flip_auc").asDouble(), s.path("flip_precision_at_rate").asDouble(),
                    s.path("flip_precision_mu_negative").asDouble(), s.path("flip_recall_mu_negative").asDouble());
        }
        if (gold) out.printf("finding labels that disagree with gold by low μ̂: ROC AUC %.4f%n", s.path("wrong_label_auc").asDouble());
    }
}
