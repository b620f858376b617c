package dev.rlhf4j.train.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.train.TrainListener;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.optim.AdamW;

import java.nio.file.Path;

/**
 * Keeps the best model in {@code out/} (or the last one when there is no validation set) and the
 * state a resume needs in {@code out/resume/}.
 */
public final class CheckpointListener implements TrainListener {
    private final Path out;
    private final ObjectNode provenance;
    private final boolean hasValidation;

    public CheckpointListener(Path out, ObjectNode provenance, boolean hasValidation) {
        this.out = out;
        this.provenance = provenance;
        this.hasValidation = hasValidation;
    }

    @Override
    public void onEval(long step, PairMetrics metrics, boolean best, RewardModel model) {
        if (best) {
            ObjectNode p = provenance.deepCopy();
            p.put("step", step);
            p.set("validation", metrics.toJson());
            RewardModels.save(model, out, p);
        }
    }

    @Override
    public void onCheckpoint(RewardModel model, AdamW optimizer, TrainState state) {
        if (!hasValidation) {
            ObjectNode p = provenance.deepCopy();
            p.put("step", state.optimizerSteps());
            RewardModels.save(model, out, p);
        }
        ResumeState.save(out.resolve(ResumeState.DIR), model, optimizer, state, provenance);
    }
}
