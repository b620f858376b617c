package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.contrastive.ContrastiveObjective;
import dev.rlhf4j.contrastive.ContrastiveObjectives;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.train.checkpoint.CheckpointListener;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.loss.PairwiseLoss;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One reward-model training run from start to saved checkpoint: the library entry point behind
 * {@code train-rm}, and the building block of strength ensembles and the decile experiment.
 *
 * @param out        checkpoint directory, or null to keep the model in memory only
 * @param progress   where progress goes, or null for silence
 * @param lowerLayers a lower-layer cache to share when {@code config.trainTopLayers() > 0}, or null to build one
 */
public record TrainJob(ModelSpec model, TrainConfig config, PairwiseLoss loss, double marginScale, Path out,
                       ObjectNode provenance, PrintStream progress, String label, LowerLayerCache lowerLayers,
                       ContrastiveConfig contrastive) {

    public TrainJob(ModelSpec model, TrainConfig config, PairwiseLoss loss, double marginScale, Path out,
                    ObjectNode provenance, PrintStream progress, String label) {
        this(model, config, loss, marginScale, out, provenance, progress, label, null, null);
    }

    public TrainJob(ModelSpec model, TrainConfig config, PairwiseLoss loss, double marginScale, Path out,
                    ObjectNode provenance, PrintStream progress, String label, LowerLayerCache lowerLayers) {
        this(model, config, loss, marginScale, out, provenance, progress, label, lowerLayers, null);
    }

    /** The same job with contrastive learning added (null: none). */
    public TrainJob withContrastive(ContrastiveConfig c) {
        return new TrainJob(model, config, loss, marginScale, out, provenance, progress, label, lowerLayers, c);
    }

    /** SwAV's prototypes as the interrupted run left them (scoring loads skip them; resume needs them). */
    private static void restoreAuxiliary(RewardModel rm, Path weights) {
        if (rm.auxiliary().asMap().isEmpty()) return;
        var saved = dev.rlhf4j.model.weights.Safetensors.read(weights).tensors();
        for (var e : rm.auxiliary().asMap().entrySet()) {
            var t = saved.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException(weights + " has no " + e.getKey() + ": the interrupted run did not use "
                        + "the same --contrastive settings");
            }
            if (!java.util.Arrays.equals(t.shape(), e.getValue().getShape().getShape())) {
                throw new IllegalArgumentException(weights + ": " + e.getKey() + " has shape " + java.util.Arrays.toString(t.shape())
                        + ", this run expects " + e.getValue().getShape() + " (a different --swav-k?)");
            }
            dev.rlhf4j.engine.Engines.assign(e.getValue(), t.data());
        }
    }

    /** A trained model (its final weights, in memory) and how training went. The caller closes the model. */
    public record Outcome(RewardModel model, TrainResult result) {}

    public Outcome run(List<PreferencePair> train, List<PreferencePair> valid, boolean resume) {
        return run(train, valid, resume, List.of());
    }

    /** As {@link #run(List, List, boolean)}, with extra listeners called after the standard ones. */
    public Outcome run(List<PreferencePair> train, List<PreferencePair> valid, boolean resume, List<TrainListener> extra) {
        ResumeState.Loaded loaded = null;
        RewardModel rm;
        if (resume) {
            if (out == null) throw new IllegalArgumentException("resume needs an output directory");
            loaded = ResumeState.load(out);
            rm = RewardModels.load(out.resolve(ResumeState.DIR), model.device());
        } else {
            rm = model.create(config.seed());
        }
        try {
            List<TrainListener> listeners = new ArrayList<>();
            if (progress != null) listeners.add(new ProgressListener(progress, label, 10));
            if (out != null) {
                listeners.add(new MetricsFile(out.resolve(MetricsFile.NAME)));
                listeners.add(new CheckpointListener(out, provenance, !valid.isEmpty(), rm));
            }
            listeners.addAll(extra);
            RewardTrainer trainer = new RewardTrainer(rm, config, loss, marginScale, listeners).withLowerLayers(lowerLayers);
            if (contrastive != null) {
                ContrastiveObjective objective = ContrastiveObjectives.create(contrastive, rm.manager(),
                        rm.backbone().hiddenSize(), config.seed());
                rm.attachAuxiliary(objective.parameters());
                if (resume) restoreAuxiliary(rm, out.resolve(ResumeState.DIR).resolve(RewardModels.WEIGHTS));
                trainer.withContrastive(contrastive, objective);
            }
            TrainResult result = trainer.fit(train, valid, loaded);
            return new Outcome(rm, result);
        } catch (RuntimeException e) {
            rm.close();
            throw e;
        }
    }
}
