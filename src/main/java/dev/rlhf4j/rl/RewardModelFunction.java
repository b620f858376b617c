package dev.rlhf4j.rl;

import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;

import java.util.ArrayList;
import java.util.List;

/** A reward model of any backbone scoring decoded text with its own tokenizer and layout. */
public final class RewardModelFunction implements RewardFunction {
    private final RewardModel model;
    private final String name;
    private final int batchSize;
    private final boolean owned;

    public RewardModelFunction(RewardModel model, String name, int batchSize, boolean owned) {
        this.model = model;
        this.name = name;
        this.batchSize = batchSize;
        this.owned = owned;
    }

    public RewardModel model() {
        return model;
    }

    @Override
    public double[] score(List<String> prompts, List<String> responses) {
        List<List<Turn>> ctx = new ArrayList<>(prompts.size());
        for (String p : prompts) ctx.add(List.of(Turn.user(p)));
        List<EncodedSequence> seqs = model.encoder().encode(ctx, responses);
        float[] s = model.score(seqs, batchSize);
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) out[i] = s[i];
        return out;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (owned) model.close();
    }
}
