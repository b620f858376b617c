package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import dev.rlhf4j.engine.Recompute;

import java.util.function.BiFunction;

/**
 * Runs a batch a few sequences at a time when one sequence's intermediates times the batch would exceed a budget.
 *
 * <p>Why: glibc serves allocations above 32 MiB (its largest mmap threshold) with fresh mmap'd pages, and each of them
 * is page-faulted in again on every use. On this project's 2-core machine a fresh 100 MB tensor cost 0.3 s to fill
 * against 8 ms for reused memory, and at 32 sequences of 256 tokens MiniLM's attention scores are 100 MB per layer:
 * scoring at 256 tokens ran 8x slower than at 128 instead of about 2.3x. Chunks under the budget are reused from the
 * heap and stay in cache.
 */
public final class Chunking {
    private Chunking() {}

    /** Largest intermediate tensor a layer makes at once. */
    public static final long BUDGET_BYTES = 16L << 20;

    /**
     * Sequences per chunk (at least one) of a transformer layer over {@code t} tokens: a sequence's largest fp32
     * intermediate is its attention scores (heads × t²) or a projection's output (t × max(ffn, 3·hidden)).
     */
    public static long sequencesPerChunk(long t, int heads, int ffn, int hidden, long budgetBytes) {
        long bytesPerSequence = 4L * Math.max(heads * t * t, t * Math.max(ffn, 3L * hidden));
        return Math.max(1, budgetBytes / Math.max(1, bytesPerSequence));
    }

    /**
     * {@code run(rows, mask)} over the whole batch, or over equal chunks of its rows (32 sequences with room for 21 run
     * as 16 + 16) concatenated. {@code split}, not slicing: its backward concatenates the chunks' gradients, so
     * training through it is one autograd graph with no zero tensor per chunk.
     */
    public static NDArray byRows(NDArray input, NDArray mask, long perChunk, BiFunction<NDArray, NDArray, NDArray> run) {
        long b = input.getShape().get(0);
        if (b <= perChunk) return scoped(run, input, mask);
        long[] cuts = equalCuts(b, perChunk);
        NDList in = input.split(cuts, 0);
        NDList masks = mask.split(cuts, 0);
        NDList out = new NDList(in.size());
        for (int i = 0; i < in.size(); i++) out.add(scoped(run, in.get(i), masks.get(i)));
        return NDArrays.concat(out, 0);
    }

    /** Split points of n items into the fewest equal chunks of at most {@code perChunk} (for {@code NDArray.split}). */
    public static long[] equalCuts(long n, long perChunk) {
        int chunks = Math.toIntExact((n + perChunk - 1) / perChunk);
        long[] cuts = new long[chunks - 1];
        for (int i = 0; i < cuts.length; i++) cuts[i] = (i + 1) * n / chunks;
        return cuts;
    }

    /**
     * {@code run(rows, mask)} with every array it makes closed when it returns, except its result (which joins the
     * caller's scope). Without this a scope around a batch (a scoring batch, a training step) kept every chunk's and
     * every layer's intermediates until it closed: at 32 sequences of 256 tokens MiniLM's scoring held 2.4 GB at once
     * instead of one chunk's. Under autograd, what backward needs stays alive through autograd's own references.
     */
    static NDArray scoped(BiFunction<NDArray, NDArray, NDArray> run, NDArray input, NDArray mask) {
        // Under recomputation the chunk's per-pass tensors (attention bias, rotary tables) are read again by the
        // deferred backward after this returns: they must live in the training step's scope, not the chunk's.
        if (Recompute.active()) return run.apply(input, mask);
        return Recompute.keep(() -> run.apply(input, mask));
    }
}
