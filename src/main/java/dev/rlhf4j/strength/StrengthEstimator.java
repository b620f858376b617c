package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.train.LowerLayerCache;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.loss.PairwiseLoss;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
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
        return estimate(pairs, cfg, spec, train, loss, progress, (k, m) -> { }, null);
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
        int m = cfg.members();
        EnsemblePlan plan = EnsemblePlan.of(pairs, cfg);
        EnsembleScores scores = new EnsembleScores(pairs.size());
        List<Member> members = new ArrayList<>();
        long t0 = System.nanoTime();
        lower = lowerLayers(pairs, cfg, spec, train, lower, progress);
        EnsembleProgress timer = new EnsembleProgress(progress, m, System::nanoTime);
        for (int k = 0; k < m; k++) {
            timer.lap();
            TrainJob.Outcome o = trainMember(pairs, plan, k, spec, train, loss, progress, lower, listeners.apply(k));
            double trainSecs = timer.lap();
            double scoreSecs, hookSecs;
            List<Integer> scoreIdx = plan.scoreIndices(k);
            try (RewardModel model = o.model()) {
                scores.add(scoreIdx, scoreMember(model, pairs, scoreIdx, lower));
                scoreSecs = timer.lap();
                hook.accept(k, model);
                hookSecs = timer.lap();
            }
            members.add(new Member(k, plan.trainIndices(k).size(), scoreIdx.size(), trainSecs, scoreSecs));
            timer.memberDone(memberLabel(k, m), trainSecs, scoreIdx.size(), scoreSecs, hookSecs);
        }
        return new Result(pairs, scores.strengths(), members, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * The lower-layer cache members share when they train only their top layers (filled for every pair), or null
     * when they fine-tune every weight. Members that train only the top layers share one cache of the frozen
     * layers below, which also makes their scoring cheap.
     *
     * @param lower a cache to reuse when it fits, or null
     */
    public static LowerLayerCache lowerLayers(List<PreferencePair> pairs, Config cfg, ModelSpec spec, TrainConfig train,
                                              LowerLayerCache lower, PrintStream progress) {
        if (train.trainTopLayers() == 0) return null;
        try (RewardModel any = spec.create(cfg.seed())) {
            lower = LowerLayerCache.reuseOrCreate(lower, any, LowerLayerCache.firstTrainedLayer(any, train.trainTopLayers()));
            lower.ensurePairs(any, pairs);
        }
        if (progress != null) {
            progress.printf("strength: lower %d layers computed once for %d sequences in %.0f s%n", lower.from(),
                    lower.size(), lower.seconds());
        }
        return lower;
    }

    /**
     * Trains member {@code k} (seed {@code cfg.seed() + k}, on the pairs the plan gives it, in that order): the unit
     * the local ensemble and the Spark job both run. The caller closes the returned model.
     *
     * @param lower the cache of {@link #lowerLayers}, or null
     * @param extra listeners called after the standard ones
     */
    public static TrainJob.Outcome trainMember(List<PreferencePair> pairs, EnsemblePlan plan, int k, ModelSpec spec,
                                               TrainConfig train, PairwiseLoss loss, PrintStream progress,
                                               LowerLayerCache lower, List<TrainListener> extra) {
        List<PreferencePair> trainPairs = plan.trainIndices(k).stream().map(pairs::get).toList();
        TrainJob job = new TrainJob(spec, train.toBuilder().seed(plan.config().seed() + k).build(), loss, 1.0, null, null, progress,
                memberLabel(k, plan.config().members()), lower);
        return job.run(trainPairs, List.of(), false, extra);
    }

    /** Rewards ({@code [0]} chosen, {@code [1]} rejected) of the pairs at {@code indices}, from one member. */
    public static float[][] scoreMember(RewardModel model, List<PreferencePair> pairs, List<Integer> indices,
                                        LowerLayerCache lower) {
        return LowerLayerCache.score(lower, model, indices.stream().map(pairs::get).toList());
    }

    private static String memberLabel(int k, int m) {
        return "strength member " + (k + 1) + "/" + m;
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
