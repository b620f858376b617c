package dev.rlhf4j.strength;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Which pairs each ensemble member trains on (in that order) and which it scores: a pure function of
 * the pairs and the config, so a member can be trained anywhere (here, or on a Spark executor) and
 * the pairs can be scored in any partitioning with the same result.
 */
public final class EnsemblePlan {
    private final StrengthEstimator.Config cfg;
    private final int n;
    private final int[] fold;

    private EnsemblePlan(StrengthEstimator.Config cfg, int n, int[] fold) {
        this.cfg = cfg;
        this.n = n;
        this.fold = fold;
    }

    public static EnsemblePlan of(List<PreferencePair> pairs, StrengthEstimator.Config cfg) {
        int n = pairs.size();
        int m = cfg.members();
        int[] fold = new int[n];
        for (int i = 0; i < n; i++) fold[i] = Math.min(m - 1, (int) (Split.unit(pairs.get(i).promptText()) * m));
        return new EnsemblePlan(cfg, n, fold);
    }

    public StrengthEstimator.Config config() {
        return cfg;
    }

    public int pairs() {
        return n;
    }

    /** The indices member {@code k} trains on, in its data order (bootstrap: with repeats). */
    public List<Integer> trainIndices(int k) {
        List<Integer> out = new ArrayList<>();
        switch (cfg.scheme()) {
            case ORDER -> {
                for (int i = 0; i < n; i++) out.add(i);
            }
            case KFOLD -> {
                for (int i = 0; i < n; i++) if (fold[i] != k) out.add(i);
            }
            case BOOTSTRAP -> {
                Random rnd = bootstrap(k);
                for (int d = 0; d < n; d++) out.add(rnd.nextInt(n));
            }
        }
        return out;
    }

    /** Whether member {@code k} scores pair {@code i}, for every i (the pairs it did not train on, except scheme order). */
    public boolean[] scores(int k) {
        boolean[] out = new boolean[n];
        switch (cfg.scheme()) {
            case ORDER -> java.util.Arrays.fill(out, true);
            case KFOLD -> {
                for (int i = 0; i < n; i++) out[i] = fold[i] == k;
            }
            case BOOTSTRAP -> {
                java.util.Arrays.fill(out, true);
                Random rnd = bootstrap(k);
                for (int d = 0; d < n; d++) out[rnd.nextInt(n)] = false;
            }
        }
        return out;
    }

    /** The indices member {@code k} scores, ascending. */
    public List<Integer> scoreIndices(int k) {
        boolean[] s = scores(k);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) if (s[i]) out.add(i);
        return out;
    }

    private Random bootstrap(int k) {
        return new Random(cfg.seed() * 7919 + k);
    }
}
