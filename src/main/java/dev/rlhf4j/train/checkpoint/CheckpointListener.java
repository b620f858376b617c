package dev.rlhf4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.optim.AdamW;

import java.nio.file.Path;
import java.util.Map;

/**
 * A reward model's checkpoints: the best model in {@code out/} (or the last one when there is no validation set)
 * and the state a resume needs in {@code out/resume/} ({@link ResumeState}).
 */
public final class CheckpointListener implements TrainListener {
    private final Path out;
    private final ObjectNode provenance;
    private final boolean hasValidation;
    private final RewardModel model;

    public CheckpointListener(Path out, ObjectNode provenance, boolean hasValidation, RewardModel model) {
        this.out = out;
        this.provenance = provenance;
        this.hasValidation = hasValidation;
        this.model = model;
    }

    @Override
    public void onEval(long step, Evaluation e) {
        if (e.best()) {
            ObjectNode p = provenance.deepCopy();
            p.put("step", step);
            p.set("validation", e.metrics());
            RewardModels.save(model, out, p);
        }
    }

    @Override
    public void onCheckpoint(TrainState state, Map<String, AdamW> optimizers) {
        if (!hasValidation) {
            ObjectNode p = provenance.deepCopy();
            p.put("step", state.optimizerSteps());
            RewardModels.save(model, out, p);
        }
        ResumeState.save(out, dir -> RewardModels.save(model, dir, provenance), optimizers, state, null);
    }
}
