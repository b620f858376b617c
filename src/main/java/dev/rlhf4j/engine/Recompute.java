package dev.rlhf4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Activation recomputation (gradient checkpointing) for a stack of blocks. DJL has no checkpoint primitive, so the
 * stack is run in two parts:
 * <ol>
 *   <li>forward, grad mode off, one {@link NDScope} per block: only each block's input is kept (the block's
 *       intermediates are freed as soon as it returns); the top block's output becomes a leaf that requires a
 *       gradient, and what sits above it (final norm, heads, loss) builds its graph as usual;</li>
 *   <li>after the loss's backward pass ({@link #backward}), block by block from the top: the block is run again from
 *       its stored input (a leaf requiring a gradient) with grad mode on, and libtorch back-propagates the upstream
 *       gradient through it ({@code backward(output, upstream)}); the parameters' gradients accumulate into their
 *       buffers as in one backward pass, and the input's gradient is the next block's upstream gradient. Below the
 *       bottom block, the upstream gradient is back-propagated into the stack's input (the embeddings' graph).</li>
 * </ol>
 * Peak activation memory is then the blocks' inputs plus one block's intermediates, for one more forward pass of the
 * blocks. A block that draws random numbers (dropout) is re-seeded from (seed, stack, block) before both of its runs,
 * so both see the same masks.
 *
 * <p>The training loop opens one {@code Recompute} per micro-batch around the forward and backward passes
 * ({@link #open}); a backbone switched to recomputation uses {@link #blocks} only while one is open on its thread and
 * grad mode is on, and runs its normal pass otherwise (scoring, MetaRM's ascent, a frozen reference).
 */
public final class Recompute implements AutoCloseable {
    private static final ThreadLocal<Recompute> OPEN = new ThreadLocal<>();

    /** One block of a stack: block {@code i} applied to its input. */
    @FunctionalInterface
    public interface Block {
        NDArray apply(int i, NDArray input);
    }

    private final long seed;
    private final Deque<Runnable> pending = new ArrayDeque<>();
    /**
     * The stored block inputs and top leaves, owned here rather than by the scope open when the stack ran: a caller
     * may run the stack inside a scope of its own (Chunking's per-chunk scope) that closes before {@link #backward}.
     */
    private final List<NDArray> owned = new ArrayList<>();
    private int stacks;

    private Recompute(long seed) {
        this.seed = seed;
    }

    /**
     * Opens recomputation on this thread until {@link #close}; {@code seed} fixes the dropout masks of the blocks (the
     * loop passes the micro-batch's seed).
     */
    public static Recompute open(long seed) {
        if (OPEN.get() != null) throw new IllegalStateException("a Recompute is already open on this thread");
        Recompute r = new Recompute(seed);
        OPEN.set(r);
        return r;
    }

    /** Whether a backbone asked to recompute should do so now: one is open on this thread and grad mode is on. */
    public static boolean active() {
        return OPEN.get() != null && JniUtils.isGradMode();
    }

    /**
     * Blocks [0, n) over {@code input} with recomputation (call only when {@link #active}). Returns the top block's
     * output as a leaf requiring a gradient; the backward through the blocks runs in {@link #backward}. Arrays live
     * in the caller's scope, which must stay open until then (the loop's micro-batch scope).
     *
     * @param reseed      re-seed the engine before each block (its dropout masks): true when the pass trains
     * @param inputTrains whether {@code input} carries a graph to trained tensors (the embeddings'): the gradient is
     *                    then back-propagated into it. (Asked of the caller: DJL's {@code hasGradient} reads false on
     *                    results of operations, and asking libtorch for the gradient function of a tensor without
     *                    one crashes the JVM.)
     */
    public static NDArray blocks(NDArray input, int n, boolean reseed, boolean inputTrains, Block block) {
        Recompute r = OPEN.get();
        if (r == null) throw new IllegalStateException("no Recompute open on this thread");
        return r.stack(input, n, reseed, inputTrains, block);
    }

    private NDArray stack(NDArray input, int n, boolean reseed, boolean inputTrains, Block block) {
        long stackSeed = seed * 1_000_003L + 7919L * stacks++;
        NDArray[] inputs = new NDArray[n];
        NDArray x = input.stopGradient();
        JniUtils.setGradMode(false);
        try {
            for (int i = 0; i < n; i++) {
                inputs[i] = x;
                if (reseed) Engines.seed(stackSeed + i);
                int bi = i;
                NDArray in = x;
                x = keep(() -> block.apply(bi, in));
            }
        } finally {
            JniUtils.setGradMode(true);
        }
        NDArray top = x;
        top.setRequiresGradient(true);
        for (NDArray a : inputs) own(a);
        own(top);
        pending.push(() -> {
            PtNDArray g = JniUtils.getGradient((PtNDArray) top);
            if (g == null) return; // nothing above read the stack
            for (int i = n - 1; i >= 0; i--) {
                if (reseed) Engines.seed(stackSeed + i);
                NDArray stored = inputs[i];
                NDArray upstream = g;
                int bi = i;
                NDArray next = keep(() -> {
                    NDArray in = stored.stopGradient();
                    in.setRequiresGradient(true);
                    NDArray y = block.apply(bi, in); // depends on the input, which requires a gradient
                    JniUtils.backward((PtNDArray) y, (PtNDArray) upstream, false, false);
                    return JniUtils.getGradient((PtNDArray) in);
                });
                upstream.close();
                stored.close(); // a detached handle: the stack's input itself stays
                g = (PtNDArray) next;
            }
            if (inputTrains) JniUtils.backward((PtNDArray) input, g, false, false);
            g.close();
            top.close();
        });
        return top;
    }

    /** Takes {@code a} out of the scope it was registered in (the one open now); closed after the backward or by {@link #close}. */
    private void own(NDArray a) {
        NDScope.unregister(a);
        owned.add(a);
    }

    /**
     * Runs {@code f} in its own scope, keeping only its result (registered with the enclosing scope, as if made there):
     * every other array {@code f} makes is closed when it returns. Under autograd, what backward needs stays alive
     * through autograd's own references.
     */
    public static NDArray keep(java.util.function.Supplier<NDArray> f) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = f.get();
            if (out != null) NDScope.unregister(out);
        }
        if (out != null) NDScope.register(out);
        return out;
    }

    /**
     * Back-propagates the loss's gradient, already in the stacks' top leaves, through every stack opened since
     * {@link #open} (newest first). Call once, after the loss's backward pass and inside the same gradient collector.
     */
    public void backward() {
        while (!pending.isEmpty()) pending.pop().run();
    }

    @Override
    public void close() {
        pending.clear();
        for (NDArray a : owned) a.close(); // closing twice is a no-op
        owned.clear();
        if (OPEN.get() == this) OPEN.remove();
    }
}
