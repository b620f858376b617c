package dev.rlhf4j.rl;

import ai.djl.Device;
import dev.rlhf4j.model.RewardModels;

import java.nio.file.Path;

/** A reward-model checkpoint (any backbone) as the judge. */
public final class RewardModelJudge extends Judge.Scoring {
    public RewardModelJudge(Path dir, Device device, double tieBand) {
        super(new RewardModelFunction(RewardModels.load(dir, device), dir.toString(), 64, true), tieBand);
    }
}
