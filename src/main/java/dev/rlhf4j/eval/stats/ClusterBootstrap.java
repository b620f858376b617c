package dev.rlhf4j.eval.stats;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * The percentile bootstrap over clusters: each replicate draws as many clusters as there are, with replacement, and
 * recomputes the statistic with each cluster weighted by how often it was drawn. The cluster is the unit that is
 * independent: a distinct prompt, whose k samples (or pairs of samples) share the prompt and are not independent.
 *
 * <p>Every call starts from the same seed, so two statistics of one run see the same resampled clusters (their
 * intervals are paired), and a run is reproducible.
 */
public final class ClusterBootstrap {
    public static final int DEFAULT_RESAMPLES = 2000;

    private final int resamples;
    private final long seed;
    private final double level;

    /** A 95% interval from {@code resamples} replicates. */
    public ClusterBootstrap(int resamples, long seed) {
        this(resamples, seed, 0.95);
    }

    public ClusterBootstrap(int resamples, long seed, double level) {
        if (resamples < 1) throw new IllegalArgumentException("bootstrap resamples must be ≥ 1, got " + resamples);
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("interval level must be in (0, 1), got " + level);
        this.resamples = resamples;
        this.seed = seed;
        this.level = level;
    }

    public int resamples() {
        return resamples;
    }

    public long seed() {
        return seed;
    }

    public double level() {
        return level;
    }

    /** How the intervals of a report were drawn: {@code {"unit": unit, "resamples", "seed", "level"}}. */
    public ObjectNode toJson(String unit) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("unit", unit);
        o.put("resamples", resamples);
        o.put("seed", seed);
        o.put("level", level);
        return o;
    }

    /**
     * The statistic on all clusters (each weight 1) and its interval; {@code statistic} receives the weight of every
     * cluster (how often the replicate drew it). Replicates where the statistic is NaN (a ratio with nothing under it)
     * are left out of the percentiles.
     */
    public Interval interval(int clusters, ToDoubleFunction<int[]> statistic) {
        return run(clusters, statistic, false);
    }

    /** As {@link #interval}, with the two-sided bootstrap p-value of "the statistic is 0" (a paired test). */
    public Interval test(int clusters, ToDoubleFunction<int[]> statistic) {
        return run(clusters, statistic, true);
    }

    private Interval run(int clusters, ToDoubleFunction<int[]> statistic, boolean withP) {
        int[] ones = new int[clusters];
        Arrays.fill(ones, 1);
        double est = clusters == 0 ? Double.NaN : statistic.applyAsDouble(ones);
        if (clusters == 0) return new Interval(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] reps = new double[resamples];
        int kept = 0;
        int[] w = new int[clusters];
        for (int b = 0; b < resamples; b++) {
            Arrays.fill(w, 0);
            for (int i = 0; i < clusters; i++) w[rng.nextInt(clusters)]++;
            double v = statistic.applyAsDouble(w);
            if (!Double.isNaN(v)) reps[kept++] = v;
        }
        double[] r = Arrays.copyOf(reps, kept);
        Arrays.sort(r);
        double a = (1 - level) / 2;
        double p = Double.NaN;
        if (withP && kept > 0) {
            int below = 0, above = 0;
            for (double v : r) {
                if (v <= 0) below++;
                if (v >= 0) above++;
            }
            p = Math.min(1, 2.0 * Math.min(below, above) / kept);
        }
        return new Interval(est, quantile(r, a), quantile(r, 1 - a), p);
    }

    /** The linear-interpolation quantile of sorted values (R's type 7, numpy's default); NaN when empty. */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        if (lo >= sorted.length - 1) return sorted[sorted.length - 1];
        return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
    }

    /** Σ w·v / Σ w: the mean of per-cluster values; NaN values (a cluster without the statistic) carry no weight. */
    public static double mean(double[] perCluster, int[] w) {
        double s = 0, n = 0;
        for (int i = 0; i < perCluster.length; i++) {
            if (w[i] == 0 || Double.isNaN(perCluster[i])) continue;
            s += w[i] * perCluster[i];
            n += w[i];
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** Σ w·num / Σ w·den: a pooled rate over clusters of unequal size (e.g. correct pairs over pairs). */
    public static double ratio(double[] num, double[] den, int[] w) {
        double s = 0, d = 0;
        for (int i = 0; i < num.length; i++) {
            s += w[i] * num[i];
            d += w[i] * den[i];
        }
        return d == 0 ? Double.NaN : s / d;
    }
}
