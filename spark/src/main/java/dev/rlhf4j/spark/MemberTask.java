package dev.rlhf4j.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.EnsemblePlan;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.train.LowerLayerCache;
import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainJob;
import dev.rlhf4j.train.TrainListener;
import org.apache.spark.TaskContext;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Stage 1 of the Spark strength job: one task trains one member and stores its checkpoint. */
final class MemberTask {
    private MemberTask() {}

    /** Marks a member's checkpoint as complete; it holds the member's key (settings and data). */
    static final String MARKER = "_SUCCESS";

    /**
     * Members in one executor JVM train one at a time: DJL allows one gradient collector per process, and libtorch's
     * random generator (dropout masks) is one per process too. Give each executor one member at a time
     * (spark.task.cpus = spark.executor.cores) and scale out with executors; scoring tasks run side by side.
     */
    private static final Object TRAINING = new Object();

    record Outcome(int member, boolean skipped, double trainSeconds, int attempt) implements Serializable {}

    static Outcome run(SparkStrengthCommand.StrengthJob job, int k) throws IOException {
        Engines.prepareThread(); // a Spark task thread, not the one that started the engine
        TaskContext task = TaskContext.get();
        int attempt = task == null ? 0 : task.attemptNumber();
        HadoopIo io = job.io();
        String dir = job.memberDir(k);
        String marker = HadoopIo.child(dir, MARKER);
        String key = job.memberKey(k);
        if (key.equals(io.readText(marker))) {
            System.err.printf("spark strength: member %d already done in %s, skipped%n", k, dir);
            return new Outcome(k, true, 0, attempt);
        }
        SparkStrengthCommand c = job.command();
        List<PreferencePair> pairs = c.pairs(io, null);
        StrengthEstimator.Config sc = c.strengthConfig();
        EnsemblePlan plan = EnsemblePlan.of(pairs, sc);
        ModelSpec spec = c.modelOptions.spec();
        TrainConfig train = c.trainOptions.config();
        LowerLayerCache lower = sharedLower(c, pairs, sc, spec, train);
        List<TrainListener> extra = c.failFirstAttempt.contains(k) && attempt == 0 ? List.of(new FailMidRun(k)) : List.of();
        TrainJob.Outcome o;
        double secs;
        synchronized (TRAINING) {
            long t0 = System.nanoTime();
            o = StrengthEstimator.trainMember(pairs, plan, k, spec, train, c.trainOptions.lossFunction(), System.err, lower, extra);
            secs = (System.nanoTime() - t0) / 1e9;
        }
        // Train and save locally, then copy up: the shared path may be HDFS or S3, which the core does not write.
        Path tmp = Files.createTempDirectory("rlhf4j-member-");
        try {
            try (RewardModel model = o.model()) {
                ObjectNode prov = Provenance.of("spark strength member " + k, List.of(job.args()),
                        Map.of("data", io.local(c.data)), train.seed() + k, Engines.info());
                prov.put("member", k);
                prov.put("attempt", attempt);
                RewardModels.save(model, tmp, prov);
            }
            io.putDir(tmp, dir);
            io.writeText(marker, key); // last: only a complete checkpoint is ever marked
        } finally {
            HadoopIo.deleteLocal(tmp);
        }
        return new Outcome(k, false, secs, attempt);
    }

    private static final Object LOWER_LOCK = new Object();
    private static String lowerKey;
    private static LowerLayerCache lowerValue;

    /**
     * The lower-layer cache of the local ensemble (built the same way, over every pair), computed once per executor
     * JVM for the members that train there; null when members fine-tune every weight.
     */
    private static LowerLayerCache sharedLower(SparkStrengthCommand c, List<PreferencePair> pairs, StrengthEstimator.Config sc,
                                               ModelSpec spec, TrainConfig train) {
        if (train.trainTopLayers() == 0) return null;
        String key = String.join("|", c.data, String.valueOf(pairs.size()), spec.toString(), String.valueOf(train.trainTopLayers()),
                String.valueOf(sc.seed()));
        synchronized (LOWER_LOCK) {
            if (!key.equals(lowerKey)) {
                lowerValue = null; // let the previous job's cache go before building this one
                lowerValue = StrengthEstimator.lowerLayers(pairs, sc, spec, train, null, System.err);
                lowerKey = key;
            }
            return lowerValue;
        }
    }

    /** Test hook: kills a member's first attempt after its second optimizer step. */
    private record FailMidRun(int member) implements TrainListener {
        @Override
        public void onStep(StepStats stats) {
            if (stats.step() == 2) {
                throw new IllegalStateException("injected failure: member " + member + ", first attempt, after step 2");
            }
        }
    }
}
