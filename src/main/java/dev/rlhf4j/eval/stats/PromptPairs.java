package dev.rlhf4j.eval.stats;

import java.util.Arrays;

/**
 * A reward model against gold on the k samples of one prompt (METHODS.md §8): the pairs (i, j), i &lt; j, whose gold
 * differs; the model orders a pair right when sign(r_i − r_j) = sign(g_i − g_j), and a reward tie counts one half
 * (as {@code eval.PairMetrics} does). Pairs fall into bands of |Δ gold| by fixed edges, so the accuracy on close
 * and on clear pairs can be told apart.
 */
public final class PromptPairs {
    private PromptPairs() {}

    /**
     * One prompt's tally.
     *
     * @param pairs      pairs whose gold differs
     * @param credit     pairs ordered right (ties one half)
     * @param bandPairs  pairs per |Δ gold| band
     * @param bandCredit credit per band
     */
    public record Counts(int pairs, double credit, int[] bandPairs, double[] bandCredit) {}

    /**
     * Tallies the pairs of one prompt. Band b holds the pairs with edges[b − 1] &lt; |Δ gold| ≤ edges[b] (edges
     * ascending; the first band starts above 0, the last has no upper end): {@code edges.length + 1} bands.
     */
    public static Counts count(double[] gold, double[] reward, double[] edges) {
        if (gold.length != reward.length) throw new IllegalArgumentException(gold.length + " gold values, " + reward.length + " rewards");
        int[] bandPairs = new int[edges.length + 1];
        double[] bandCredit = new double[edges.length + 1];
        int pairs = 0;
        double credit = 0;
        for (int i = 0; i < gold.length; i++) {
            for (int j = i + 1; j < gold.length; j++) {
                double dg = gold[i] - gold[j];
                if (dg == 0) continue;
                double dr = reward[i] - reward[j];
                double c = dr == 0 ? 0.5 : Math.signum(dr) == Math.signum(dg) ? 1 : 0;
                int band = band(Math.abs(dg), edges);
                pairs++;
                credit += c;
                bandPairs[band]++;
                bandCredit[band] += c;
            }
        }
        return new Counts(pairs, credit, bandPairs, bandCredit);
    }

    static int band(double absDiff, double[] edges) {
        int b = 0;
        while (b < edges.length && absDiff > edges[b]) b++;
        return b;
    }

    /**
     * MetaRM's difference loss of one group (the same J as {@code train.MetaStep}, Eq. 10 of the paper):
     * J = (2/k²) Σ_{i&lt;j} σ(|r_i − r_j|) over all k samples. Larger J: the model tells the samples further apart.
     */
    public static double differenceLoss(double[] reward) {
        int k = reward.length;
        if (k < 2) return Double.NaN;
        double s = 0;
        for (int i = 0; i < k; i++) {
            for (int j = i + 1; j < k; j++) s += 1 / (1 + Math.exp(-Math.abs(reward[i] - reward[j])));
        }
        return 2 * s / ((double) k * k);
    }

    /** |g_i − g_j| of every pair whose gold differs, over the prompts (each row one prompt's gold values). */
    public static double[] goldGaps(double[][] goldPerPrompt) {
        int n = 0;
        for (double[] g : goldPerPrompt) n += g.length * (g.length - 1) / 2;
        double[] out = new double[n];
        int k = 0;
        for (double[] g : goldPerPrompt) {
            for (int i = 0; i < g.length; i++) {
                for (int j = i + 1; j < g.length; j++) if (g[i] != g[j]) out[k++] = Math.abs(g[i] - g[j]);
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** Band edges at the quartiles of the gaps (type-7 quantiles), duplicates dropped: at most 4 bands. */
    public static double[] quartileEdges(double[] gaps) {
        if (gaps.length == 0) return new double[0];
        double[] s = gaps.clone();
        Arrays.sort(s);
        return Arrays.stream(new double[] {0.25, 0.5, 0.75}).map(q -> ClusterBootstrap.quantile(s, q))
                .filter(e -> e < s[s.length - 1]).distinct().toArray();
    }
}
