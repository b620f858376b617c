package dev.rlhf4j.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How well rewards order preference pairs, from r_c and r_r of each pair.
 *
 * <p>p_i = σ(r_c − r_r) is the model's probability that the labelled choice is right.
 * Accuracy counts r_c &gt; r_r (a tie counts one half); loss is the mean −log p; ECE uses 10
 * equal-width bins of confidence max(p, 1−p) against whether the predicted side was the labelled
 * one; Brier is the mean (1 − p)².
 */
public record PairMetrics(int n, double accuracy, double loss, double meanGap, double ece, double brier, int ties) {

    public static final int ECE_BINS = 10;

    public static PairMetrics of(float[] chosen, float[] rejected) {
        int n = chosen.length;
        if (n == 0) return new PairMetrics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        double correct = 0, loss = 0, gap = 0, brier = 0;
        int ties = 0;
        double[] binConf = new double[ECE_BINS];
        double[] binAcc = new double[ECE_BINS];
        int[] binCount = new int[ECE_BINS];
        for (int i = 0; i < n; i++) {
            double d = (double) chosen[i] - rejected[i];
            correct += credit(d);
            if (d == 0) ties++;
            loss += d > 0 ? Math.log1p(Math.exp(-d)) : -d + Math.log1p(Math.exp(d));
            gap += d;
            double p = 1 / (1 + Math.exp(-d));
            brier += (1 - p) * (1 - p);
            double conf = Math.max(p, 1 - p);
            int bin = bin(conf);
            binConf[bin] += conf;
            binAcc[bin] += credit(d);
            binCount[bin]++;
        }
        double ece = 0;
        for (int b = 0; b < ECE_BINS; b++) {
            if (binCount[b] > 0) ece += Math.abs(binAcc[b] - binConf[b]) / n;
        }
        return new PairMetrics(n, correct / n, loss / n, gap / n, ece, brier / n, ties);
    }

    /** The ECE bin of a confidence max(p, 1 − p) in [0.5, 1]: 10 equal widths of 0.05. */
    static int bin(double conf) {
        return Math.min(ECE_BINS - 1, (int) ((conf - 0.5) * 2 * ECE_BINS));
    }

    /**
     * One bin of the reliability table, the ECE's own bins.
     *
     * @param lower         lowest confidence of the bin (0.5, 0.55, …)
     * @param upper         its upper end
     * @param meanPredicted mean confidence max(p, 1 − p) of its pairs (NaN when empty)
     * @param observed      share of its pairs where the more probable side is the labelled one, a tie one half (NaN when empty)
     * @param count         pairs in the bin
     */
    public record Bin(double lower, double upper, double meanPredicted, double observed, int count) {}

    /** The reliability table behind the ECE: {@value #ECE_BINS} bins of confidence, empty ones included. */
    public static java.util.List<Bin> reliability(float[] chosen, float[] rejected) {
        double[] conf = new double[ECE_BINS], acc = new double[ECE_BINS];
        int[] count = new int[ECE_BINS];
        for (int i = 0; i < chosen.length; i++) {
            double d = (double) chosen[i] - rejected[i];
            double p = 1 / (1 + Math.exp(-d));
            double c = Math.max(p, 1 - p);
            int b = bin(c);
            conf[b] += c;
            acc[b] += credit(d);
            count[b]++;
        }
        java.util.List<Bin> bins = new java.util.ArrayList<>(ECE_BINS);
        for (int b = 0; b < ECE_BINS; b++) {
            double w = 0.5 / ECE_BINS;
            bins.add(new Bin(0.5 + b * w, 0.5 + (b + 1) * w, count[b] == 0 ? Double.NaN : conf[b] / count[b],
                    count[b] == 0 ? Double.NaN : acc[b] / count[b], count[b]));
        }
        return bins;
    }

    /** The reliability table as JSON rows {lower, upper, mean_predicted, observed, count}; empty bins have nulls. */
    public static com.fasterxml.jackson.databind.node.ArrayNode reliabilityJson(float[] chosen, float[] rejected) {
        var a = JsonNodeFactory.instance.arrayNode();
        for (Bin b : reliability(chosen, rejected)) {
            ObjectNode o = a.addObject();
            o.put("lower", b.lower());
            o.put("upper", b.upper());
            if (b.count() == 0) {
                o.putNull("mean_predicted");
                o.putNull("observed");
            } else {
                o.put("mean_predicted", b.meanPredicted());
                o.put("observed", b.observed());
            }
            o.put("count", b.count());
        }
        return a;
    }

    /** What a pair with reward difference d = r_c − r_r adds to the accuracy: 1 right, ½ a tie, 0 wrong. */
    static double credit(double d) {
        return d > 0 ? 1 : d == 0 ? 0.5 : 0;
    }

    /** Half-width of the 95% normal-approximation interval of the accuracy. */
    public double accuracyCi95() {
        return n == 0 ? Double.NaN : 1.96 * Math.sqrt(accuracy * (1 - accuracy) / n);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("n", n);
        o.put("accuracy", accuracy);
        o.put("accuracy_ci95", accuracyCi95());
        o.put("loss", loss);
        o.put("mean_gap", meanGap);
        o.put("ece", ece);
        o.put("brier", brier);
        o.put("ties", ties);
        return o;
    }

    @Override
    public String toString() {
        return String.format("n=%d accuracy=%.4f (±%.3f) loss=%.4f gap=%.3f ece=%.4f brier=%.4f", n, accuracy,
                accuracyCi95(), loss, meanGap, ece, brier);
    }
}
