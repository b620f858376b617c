package dev.rlhf4j.eval.rewardbench;

import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.RewardModel;

import java.util.List;

/** Rewards of responses, each after its dialogue context: the one thing the benchmarks ask of a reward model. */
@FunctionalInterface
public interface ResponseScorer {
    /** The reward of {@code responses.get(i)} after {@code contexts.get(i)}, for every i, in order. */
    double[] score(List<List<Turn>> contexts, List<String> responses);

    /** A reward model's rewards through its own encoder and chat template (as {@code score} computes them), on its output scale. */
    static ResponseScorer of(RewardModel model, int batchSize) {
        return (contexts, responses) -> {
            float[] r = model.score(model.encoder().encode(contexts, responses), batchSize);
            double[] out = new double[r.length];
            for (int i = 0; i < r.length; i++) out[i] = r[i];
            return out;
        };
    }
}
