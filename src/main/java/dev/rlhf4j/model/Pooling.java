package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.engine.Scalars;

/** How a sequence of hidden states becomes the one vector the reward head reads. */
public enum Pooling {
    /** The first token ([CLS] for BERT encoders). */
    CLS,
    /** Mean over real (unmasked) tokens. */
    MEAN,
    /**
     * The last real token. Its index comes from the attention mask (the largest position whose mask is 1),
     * never from searching for a pad id, which breaks when pad = eos.
     */
    LAST;

    /**
     * @param hidden (B, T, H)
     * @param mask   (B, T) float32 of 0/1
     * @return (B, H)
     */
    public NDArray pool(NDArray hidden, NDArray mask) {
        switch (this) {
            case CLS:
                return hidden.get(new NDIndex(":, 0, :"));
            case MEAN: {
                NDArray m = mask.expandDims(2); // (B, T, 1)
                return hidden.mul(m).sum(new int[] {1}).div(Scalars.maximum(m.sum(new int[] {1}), 1f));
            }
            case LAST: {
                // The largest index whose mask is 1: right padding, left padding and pad = eos all agree.
                long t = hidden.getShape().get(1);
                NDArray index = mask.mul(mask.getManager().arange(0f, (float) t, 1f)).argMax(1);
                NDArray select = index.oneHot((int) t, ai.djl.ndarray.types.DataType.FLOAT32); // (B, T)
                return hidden.mul(select.expandDims(2)).sum(new int[] {1});
            }
            default:
                throw new AssertionError(this);
        }
    }

    public static Pooling parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + s + "' (expected cls, mean or last)");
        }
    }
}
