package dev.rlhf4j.model;

/** The FLOPs a backbone's training step needs, as {@code bench}'s MFU counts them (see {@link Backbone#flops()}). */
public interface FlopCount {

    /** The inner width of the feed-forward layers. */
    int intermediateSize();

    /**
     * Model FLOPs of a forward and backward pass over {@code sequences} × {@code seqLen} tokens; {@code firstTokenOnly}
     * counts only what a reward read at the first position ([CLS]) needs.
     */
    double trainingFlops(long sequences, long seqLen, boolean firstTokenOnly);
}
