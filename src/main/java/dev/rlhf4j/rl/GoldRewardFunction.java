package dev.rlhf4j.rl;

import dev.rlhf4j.synth.GoldReward;

import java.util.List;

/** The controlled task's programmatic gold reward: defined on any text, NaN for a prompt outside the task. */
public final class GoldRewardFunction implements RewardFunction {
    private final GoldReward gold = new GoldReward();

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
        double[] out = new double[prompts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = GoldReward.familyOf(prompts.get(i)) == null ? Double.NaN : gold.score(prompts.get(i), responses.get(i));
        }
        return out;
    }

    @Override
    public String name() {
        return "gold";
    }
}
