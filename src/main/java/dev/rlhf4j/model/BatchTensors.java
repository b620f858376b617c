package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.text.TokenBatch;

/** A {@link TokenBatch}'s arrays as tensors on a model's manager: every model reads its batches through these. */
public final class BatchTensors {
    private BatchTensors() {}

    /** Token ids (rows, cols), int64. */
    public static NDArray ids(NDManager m, TokenBatch b) {
        return m.create(b.ids(), new Shape(b.rows(), b.cols()));
    }

    /** Segment ids (rows, cols), int64. */
    public static NDArray typeIds(NDManager m, TokenBatch b) {
        return m.create(b.typeIds(), new Shape(b.rows(), b.cols()));
    }

    /** Attention mask (rows, cols), float32. */
    public static NDArray mask(NDManager m, TokenBatch b) {
        return m.create(b.mask(), new Shape(b.rows(), b.cols()));
    }

    /** The loss mask aligned with next-token log-probabilities (rows, cols − 1), float32: see {@link TokenBatch#targetMask}. */
    public static NDArray targetMask(NDManager m, TokenBatch b) {
        return m.create(b.targetMask(), new Shape(b.rows(), b.cols() - 1));
    }
}
