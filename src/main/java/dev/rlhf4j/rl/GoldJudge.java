package dev.rlhf4j.rl;

/** The controlled task's gold reward as the judge; gold rewards move in steps of 0.05 or more, so a band below that keeps exact ties only. */
public final class GoldJudge extends Judge.Scoring {
    public GoldJudge(double tieBand) {
        super(new GoldRewardFunction(), tieBand);
    }
}
