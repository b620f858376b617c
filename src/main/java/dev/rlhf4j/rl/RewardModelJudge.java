package dev.rlhf4j.rl;

import ai.djl.Device;
import dev.rlhf4j.model.lora.Adapters;

import java.nio.file.Path;

/** A reward-model checkpoint (any backbone) as the judge. */
public final class RewardModelJudge extends Judge.Scoring {
    /** The reward model {@code dir} with the PEFT SEQ_CLS adapter {@code adapter} on it as its base (null: none). */
    public RewardModelJudge(Path dir, Path adapter, Device device, double tieBand) {
        super(new RewardModelFunction(Adapters.rewardModel(dir, adapter, device, true),
                adapter == null ? dir.toString() : dir + " + " + adapter, 64, true), tieBand);
    }
}
