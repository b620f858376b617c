package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.train.LowerLayerCache;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.loss.PairwiseLoss;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;

/**
 * Measures preference strength with an ensemble of reward models (paper §2, Eq. 4): trains M
 * members, scores pairs with each, and reduces the reward differences to μ̂ and σ̂ per pair.
 */
public final class StrengthEstimator {
    /** Field names of the authors' released data set (hh-rlhf-strength-cleaned), kept for comparability. */
    public static final String MEAN = "mean preference difference";
    public static final String STD = "std preference difference";
    public static final String CHOSEN_SCORES = "chosen score list";
    public static final String REJECTED_SCORES = "rejected score list";

    /**
     * @param members M, the ensemble size (the paper uses 10)
     * @param seed    member m trains with seed {@code seed + m} (its data order and head init)
     */
    public record Config(int members, StrengthScheme scheme, long seed) {
        public Config {
            if (members < 2) throw new IllegalArgumentException("an ensemble needs at least 2 members, got " + members);
        }
    }

    /** One member's cost and what it trained on. */
    public record Member(int index, int trainPairs, int scoredPairs, double trainSeconds, double scoreSeconds) {}

    public record Result(List<PreferencePair> pairs, List<PairStrength> strengths, List<Member> members, double wallSeconds) {
        public double[] means() {
            return strengths.stream().mapToDouble(PairStrength::mean).toArray();
        }

        public double[] stds() {
            return strengths.stream().mapToDouble(PairStrength::std).toArray();
        }

        /** The input records with the four strength fields added. */
        public List<ObjectNode> records() {
            List<ObjectNode> out = new ArrayList<>(pairs.size());
            for (int i = 0; i < pairs.size(); i++) out.add(withStrength(pairs.get(i).record(), strengths.get(i)));
            return out;
        }
    }

    private StrengthEstimator() {}

    /** Sees each trained member before it is closed (e.g. to evaluate or save it). */
    @FunctionalInterface
    public interface MemberHook {
        void accept(int member, RewardModel model);
    }

    public static Result estimate(List<PreferencePair> pairs, Config cfg, ModelSpec spec, TrainConfig train,
                                  PairwiseLoss loss, PrintStream progress) {
        return estimate(pairs, cfg, spec, train, loss, progress, (k, m) -> { });
    }

    public static Result estimate(List<PreferencePair> pairs, Config cfg, ModelSpec spec, TrainConfig train,
                                  PairwiseLoss loss, PrintStream progress, MemberHook hook) {
        return estimate(pairs, cfg, spec, train, loss, progress, hook, null);
    }

    /**
     * @param lower when members train only their top layers ({@code train.trainTopLayers() > 0}), a
     *              lower-layer cache to share with the caller (filled here), or null for one of its own
     *              (also used when the given one does not fit the members' backbone)
     */
    public static Result estimate(List<PreferencePair> pairs, Config cfg, ModelSpec spec, TrainConfig train,
                                  PairwiseLoss loss, PrintStream progress, MemberHook hook, LowerLayerCache lower) {
        return estimate(pairs, cfg, spec, train, loss, progress, hook, lower, k -> List.of());
    }

    /** As above, with extra training listeners per member (the demo logs the baseline's curve with one). */
    public static Result estimate(List<PreferencePair> pairs, Config cfg, ModelSpec spec, TrainConfig train,
                                  PairwiseLoss loss, PrintStream progress, MemberHook hook, LowerLayerCache lower,
                                  IntFunction<List<TrainListener>> listeners) {
        int n = pairs.size();
        int m = cfg.members();
        List<List<Float>> chosen = new ArrayList<>(n), rejected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            chosen.add(new ArrayList<>());
            rejected.add(new ArrayList<>());
        }
        int[] fold = new int[n];
        for (int i = 0; i < n; i++) fold[i] = Math.min(m - 1, (int) (Split.unit(pairs.get(i).promptText()) * m));
        List<Member> members = new ArrayList<>();
        long t0 = System.nanoTime();
        double memberSecs = 0;
        // Members that train only the top layers share one cache of the frozen layers below, which
        // also makes their scoring cheap.
        if (train.trainTopLayers() == 0) {
            lower = null;
        } else {
            try (RewardModel any = spec.create(cfg.seed())) {
                lower = LowerLayerCache.reuseOrCreate(lower, any, LowerLayerCache.firstTrainedLayer(any, train.trainTopLayers()));
                lower.ensurePairs(any, pairs);
            }
            if (progress != null) {
                progress.printf("strength: lower %d layers computed once for %d sequences in %.0f s%n", lower.from(),
                        lower.size(), lower.seconds());
            }
        }
        for (int k = 0; k < m; k++) {
            List<Integer> trainIdx = new ArrayList<>(), scoreIdx = new ArrayList<>();
            switch (cfg.scheme()) {
                case ORDER -> {
                    for (int i = 0; i < n; i++) {
                        trainIdx.add(i);
                        scoreIdx.add(i);
                    }
                }
                case KFOLD -> {
                    for (int i = 0; i < n; i++) (fold[i] == k ? scoreIdx : trainIdx).add(i);
                }
                case BOOTSTRAP -> {
                    Random rnd = new Random(cfg.seed() * 7919 + k);
                    boolean[] drawn = new boolean[n];
                    for (int d = 0; d < n; d++) {
                        int i = rnd.nextInt(n);
                        trainIdx.add(i);
                        drawn[i] = true;
                    }
                    for (int i = 0; i < n; i++) if (!drawn[i]) scoreIdx.add(i);
                }
            }
            List<PreferencePair> trainPairs = trainIdx.stream().map(pairs::get).toList();
            String label = "strength member " + (k + 1) + "/" + m;
            long ts = System.nanoTime();
            TrainJob job = new TrainJob(spec, train.withSeed(cfg.seed() + k), loss, 1.0, null, null, progress, label, lower);
            TrainJob.Outcome o = job.run(trainPairs, List.of(), false, listeners.apply(k));
            double trainSecs = (System.nanoTime() - ts) / 1e9;
            long ss = System.nanoTime();
            double scoreSecs, hookSecs;
            try (RewardModel model = o.model()) {
                List<PreferencePair> scored = scoreIdx.stream().map(pairs::get).toList();
                float[][] s = LowerLayerCache.score(lower, model, scored);
                for (int j = 0; j < scoreIdx.size(); j++) {
                    chosen.get(scoreIdx.get(j)).add(s[0][j]);
                    rejected.get(scoreIdx.get(j)).add(s[1][j]);
                }
                scoreSecs = (System.nanoTime() - ss) / 1e9;
                long hs = System.nanoTime();
                hook.accept(k, model);
                hookSecs = (System.nanoTime() - hs) / 1e9;
            }
            members.add(new Member(k, trainPairs.size(), scoreIdx.size(), trainSecs, scoreSecs));
            if (progress != null) {
                // The ETA counts members' own time only: what the hook does (the demo evaluates and saves member 1
                // as its baseline) happens once and would otherwise be extrapolated to every remaining member.
                memberSecs += trainSecs + scoreSecs;
                progress.printf("%s done: trained %.0f s, scored %d pairs in %.0f s%s; ensemble ETA %s%n", label, trainSecs,
                        scoreIdx.size(), scoreSecs, hookSecs >= 1 ? String.format(" (then %.0f s outside the ensemble)", hookSecs) : "",
                        ProgressListener.duration(memberSecs / (k + 1) * (m - k - 1)));
            }
        }
        List<PairStrength> strengths = new ArrayList<>(n);
        for (int i = 0; i < n; i++) strengths.add(PairStrength.of(toArray(chosen.get(i)), toArray(rejected.get(i))));
        return new Result(pairs, strengths, members, (System.nanoTime() - t0) / 1e9);
    }

    private static float[] toArray(List<Float> l) {
        float[] a = new float[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }

    public static ObjectNode withStrength(ObjectNode record, PairStrength s) {
        ObjectNode r = record.deepCopy();
        if (s.members() == 0) {
            r.putNull(MEAN);
            r.putNull(STD);
        } else {
            r.put(MEAN, s.mean());
            r.put(STD, s.std());
        }
        ArrayNode c = r.putArray(CHOSEN_SCORES);
        for (float v : s.chosenScores()) c.add(v);
        ArrayNode rj = r.putArray(REJECTED_SCORES);
        for (float v : s.rejectedScores()) rj.add(v);
        return r;
    }

    /** μ̂ of a record read back from a strength file. */
    public static double meanOf(PreferencePair p) {
        var v = p.number(MEAN);
        if (v.isEmpty()) {
            throw new IllegalArgumentException(p.file() + ":" + p.line() + ": pair '" + p.id() + "' has no numeric '" + MEAN
                    + "' field; is this a file written by 'rlhf4j strength'?");
        }
        return v.getAsDouble();
    }
}
