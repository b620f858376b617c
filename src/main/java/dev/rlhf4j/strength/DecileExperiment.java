package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.EvalReport;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.loss.PairwiseLoss;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The decile experiment (paper §2): sort training pairs by μ̂, cut them into {@code parts} equal
 * subsets, train one reward model per subset, and evaluate each on the same validation set.
 */
public final class DecileExperiment {
    private DecileExperiment() {}

    /**
     * @param gold whether the validation pairs carry gold rewards to evaluate against as well
     * @return {@code {"rows": [{decile, count, mean_mu, min_mu, max_mu, accuracy, ..., gold_accuracy}]}}
     */
    public static ObjectNode run(List<PreferencePair> train, List<PreferencePair> valid, int parts, ModelSpec spec,
                                 TrainConfig cfg, PairwiseLoss loss, boolean gold, PrintStream progress) {
        double[] mu = new double[train.size()];
        for (int i = 0; i < mu.length; i++) mu[i] = StrengthEstimator.meanOf(train.get(i));
        Integer[] order = StrengthSummary.sortedByMean(mu);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("parts", parts);
        out.put("train_pairs", train.size());
        out.put("valid_pairs", valid.size());
        ArrayNode rows = out.putArray("rows");
        for (int d = 0; d < parts; d++) {
            int from = (int) ((long) d * train.size() / parts), to = (int) ((long) (d + 1) * train.size() / parts);
            List<PreferencePair> subset = new ArrayList<>();
            for (int k = from; k < to; k++) subset.add(train.get(order[k]));
            TrainJob job = new TrainJob(spec, cfg, loss, 1.0, null, null, progress, "decile " + (d + 1) + "/" + parts);
            TrainJob.Outcome o = job.run(subset, List.of(), false);
            try (RewardModel model = o.model()) {
                float[][] s = PairScorer.score(model, valid, 64);
                PairMetrics m = PairMetrics.of(s[0], s[1]);
                ObjectNode row = rows.addObject();
                row.put("decile", d + 1);
                row.put("count", subset.size());
                row.put("min_mu", mu[order[from]]);
                row.put("max_mu", mu[order[to - 1]]);
                double sum = 0;
                for (int k = from; k < to; k++) sum += mu[order[k]];
                row.put("mean_mu", sum / Math.max(1, to - from));
                row.put("accuracy", m.accuracy());
                row.put("accuracy_ci95", m.accuracyCi95());
                row.put("loss", m.loss());
                if (gold) {
                    ObjectNode g = EvalReport.goldMetrics(valid, s[0], s[1]);
                    row.put("gold_accuracy", g.path("against_gold").path("accuracy").asDouble());
                }
                if (progress != null) {
                    progress.printf("decile %d/%d (μ̂ %.3f..%.3f): validation accuracy %.4f%s%n", d + 1, parts,
                            mu[order[from]], mu[order[to - 1]], m.accuracy(),
                            gold ? String.format(", gold accuracy %.4f", row.path("gold_accuracy").asDouble()) : "");
                }
            }
        }
        return out;
    }

    public static void print(ObjectNode r, PrintStream out) {
        boolean gold = r.withArray("rows").size() > 0 && r.withArray("rows").get(0).has("gold_accuracy");
        out.printf("%6s %6s %9s %9s %9s %9s%s%n", "decile", "pairs", "min μ̂", "max μ̂", "mean μ̂", "accuracy", gold ? "  gold acc" : "");
        for (var row : r.withArray("rows")) {
            out.printf("%6d %6d %9.3f %9.3f %9.3f %9.4f%s%n", row.path("decile").asInt(), row.path("count").asInt(),
                    row.path("min_mu").asDouble(), row.path("max_mu").asDouble(), row.path("mean_mu").asDouble(),
                    row.path("accuracy").asDouble(), gold ? String.format("  %8.4f", row.path("gold_accuracy").asDouble()) : "");
        }
    }
}
