package dev.rlhf4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.rlhf4j.model.ModelParameters;

/** Global-norm gradient clipping and the finite check that guards every step. */
public final class GradientClipping {
    private GradientClipping() {}

    /**
     * Computes the global L2 norm of all gradients and, when above {@code maxNorm} (&gt; 0), scales
     * them down to it. Returns the norm before clipping; NaN or infinite means the step must be skipped.
     */
    public static double clip(ModelParameters params, double maxNorm) {
        double norm;
        try (NDScope scope = new NDScope()) {
            norm = globalNorm(params);
            if (maxNorm > 0 && Double.isFinite(norm) && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (NDArray p : params.asMap().values()) p.getGradient().muli(scale);
            }
        }
        return norm;
    }

    /** Sums on the engine and reads one scalar back: one host sync per step, not one per parameter. */
    private static double globalNorm(ModelParameters params) {
        NDArray sum = null;
        for (NDArray p : params.asMap().values()) {
            NDArray s = p.getGradient().square().sum();
            sum = sum == null ? s : sum.add(s);
        }
        return Math.sqrt(sum.getFloat());
    }

    /** Names of the parameters whose gradient holds a NaN or an infinity (for the message of a skipped step). */
    public static java.util.List<String> nonFinite(ModelParameters params) {
        java.util.List<String> bad = new java.util.ArrayList<>();
        try (NDScope scope = new NDScope()) {
            for (var e : params.asMap().entrySet()) {
                float s = e.getValue().getGradient().square().sum().getFloat();
                if (!Float.isFinite(s)) bad.add(e.getKey());
            }
        }
        return bad;
    }

    /** Sets every gradient to zero (in place; see STACK.md on why not through a buffer). */
    public static void zero(ModelParameters params) {
        try (NDScope scope = new NDScope()) {
            for (NDArray p : params.asMap().values()) {
                p.getGradient().set(new ai.djl.ndarray.index.NDIndex(":"), 0f);
            }
        }
    }
}
