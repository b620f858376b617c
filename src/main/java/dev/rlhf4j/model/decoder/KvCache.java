package dev.rlhf4j.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of every layer for the tokens seen so far, so that each generation step runs the new
 * token alone instead of the whole sequence. Keys are kept transposed, (B, kv-heads, head-dim, T), ready for
 * q · kᵀ; values are (B, kv-heads, T, head-dim); rotary is already applied to the keys.
 *
 * <p>The cache owns its tensors: they are taken out of any open {@link NDScope} (a step's intermediates are
 * freed at the end of the step, the cache must outlive it) and the previous ones are closed when replaced.
 */
public final class KvCache implements AutoCloseable {
    private final NDArray[] keys;
    private final NDArray[] values;
    private int length;

    public KvCache(int layers) {
        keys = new NDArray[layers];
        values = new NDArray[layers];
    }

    /** Tokens held (the same for every layer once a forward pass has finished). */
    public int length() {
        return length;
    }

    /** Appends this step's keys (B, kvh, hd, T) and values (B, kvh, T, hd) of {@code layer}; returns the full pair. */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray oldK = keys[layer];
        NDArray oldV = values[layer];
        NDArray newK = oldK == null ? k.duplicate() : oldK.concat(k, 3);
        NDArray newV = oldV == null ? v.duplicate() : oldV.concat(v, 2);
        NDScope.unregister(newK, newV);
        keys[layer] = newK;
        values[layer] = newV;
        if (oldK != null) oldK.close();
        if (oldV != null) oldV.close();
        return new NDArray[] {newK, newV};
    }

    /** Called by the decoder once every layer has appended {@code tokens} new positions. */
    void advance(int tokens) {
        length += tokens;
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) keys[i].close();
            if (values[i] != null) values[i].close();
            keys[i] = null;
            values[i] = null;
        }
        length = 0;
    }
}
