package dev.rlhf4j.eval;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;

import java.util.ArrayList;
import java.util.List;

/** Scores both responses of every pair with a reward model, in one length-sorted pass. */
public final class PairScorer {
    private PairScorer() {}

    /** Rewards of chosen (index 0) and rejected (index 1) responses, in pair order. */
    public static float[][] score(RewardModel model, List<PreferencePair> pairs, int batchSize) {
        return scoreEncoded(model, model.encoder().encodePairs(pairs), batchSize);
    }

    public static float[][] scoreEncoded(RewardModel model, List<EncodedPair> encoded, int batchSize) {
        List<EncodedSequence> seqs = new ArrayList<>(encoded.size() * 2);
        for (EncodedPair p : encoded) seqs.add(p.chosen());
        for (EncodedPair p : encoded) seqs.add(p.rejected());
        float[] all = model.score(seqs, batchSize);
        int n = encoded.size();
        float[] c = java.util.Arrays.copyOfRange(all, 0, n);
        float[] r = java.util.Arrays.copyOfRange(all, n, 2 * n);
        return new float[][] {c, r};
    }
}
