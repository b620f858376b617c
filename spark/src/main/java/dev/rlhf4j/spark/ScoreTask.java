package dev.rlhf4j.spark;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.strength.EnsemblePlan;
import dev.rlhf4j.strength.EnsembleScores;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.train.LowerLayerCache;
import dev.rlhf4j.train.TrainConfig;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** Stage 2 of the Spark strength job: one task scores a range of pairs with every member that scores them. */
final class ScoreTask {
    private ScoreTask() {}

    /** Rewards of pairs [from, from + chosen.length): per pair, one entry per member that scored it, in member order. */
    record Slice(int from, float[][] chosen, float[][] rejected, double[] memberSeconds) implements Serializable {}

    static Slice run(SparkStrengthCommand.StrengthJob job, int[] range) {
        Engines.prepareThread(); // a Spark task thread, not the one that started the engine
        SparkStrengthCommand c = job.command();
        HadoopIo io = job.io();
        List<PreferencePair> pairs = c.pairs(io, null);
        StrengthEstimator.Config sc = c.strengthConfig();
        EnsemblePlan plan = EnsemblePlan.of(pairs, sc);
        ModelSpec spec = c.modelOptions.spec();
        TrainConfig train = c.trainOptions.config();
        int from = range[0], to = range[1];
        List<PreferencePair> part = pairs.subList(from, to);
        EnsembleScores scores = new EnsembleScores(part.size());
        double[] secs = new double[sc.members()];
        LowerLayerCache lower = null;
        for (int k = 0; k < sc.members(); k++) {
            long t0 = System.nanoTime();
            String dir = job.memberDir(k);
            String marker = io.readText(HadoopIo.child(dir, MemberTask.MARKER));
            if (marker == null) throw new IllegalStateException(dir + " has no " + MemberTask.MARKER + ": member " + k + " did not finish");
            try (RewardModel model = RewardModels.load(io.local(dir, marker), spec.device())) {
                // The frozen lower layers are the same in every member of a pretrained backbone: one cache per partition.
                if (train.trainTopLayers() > 0 && lower == null) lower = LowerLayerCache.forTopLayers(model, train.trainTopLayers());
                boolean[] scored = plan.scores(k);
                List<Integer> idx = new ArrayList<>();
                for (int j = 0; j < part.size(); j++) if (scored[from + j]) idx.add(j);
                scores.add(idx, StrengthEstimator.scoreMember(model, part, idx, lower));
            }
            secs[k] = (System.nanoTime() - t0) / 1e9;
        }
        float[][] ch = new float[part.size()][], rj = new float[part.size()][];
        for (int j = 0; j < part.size(); j++) {
            ch[j] = scores.chosen(j);
            rj[j] = scores.rejected(j);
        }
        return new Slice(from, ch, rj, secs);
    }
}
