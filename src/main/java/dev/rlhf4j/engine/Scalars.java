package dev.rlhf4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Tensor ops with a constant operand, the constant held in memory libtorch owns. Use these instead of DJL's
 * {@code NDArray.mul(Number)}, {@code div}, {@code pow}, {@code maximum} and {@code minimum} overloads.
 *
 * <p>Why: on CPU, DJL makes the constant a 0-d tensor over a Java direct buffer without copying it, runs the op and
 * closes that tensor at once. Autograd keeps the constant of a multiplication, division, power or max/min for the
 * backward pass, but the buffer behind it now belongs to no one and the garbage collector frees it whenever it
 * runs; malloc then hands its bytes to whatever asks next. The backward pass read garbage: a loss divided by its
 * token count got a gradient scaled by whatever lay there, sometimes NaN. Which step it hit depended on when the
 * collector ran, so a run beside a busy process left the trajectory of the same run on a quiet machine
 * ({@code ScalarsTest} reproduces it by collecting garbage between forward and backward). A constant made by
 * {@code NDManager.full} is an ordinary libtorch tensor, kept alive by autograd's reference to it.
 */
public final class Scalars {
    private Scalars() {}

    /** {@code x · v}. */
    public static NDArray mul(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.mul(c);
        }
    }

    /** {@code x / v}. */
    public static NDArray div(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.div(c);
        }
    }

    /** {@code x ^ v}, elementwise. */
    public static NDArray pow(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.pow(c);
        }
    }

    /** {@code max(x, v)}, elementwise. */
    public static NDArray maximum(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.maximum(c);
        }
    }

    /** {@code min(x, v)}, elementwise. */
    public static NDArray minimum(NDArray x, double v) {
        try (NDArray c = constant(x, v)) {
            return x.minimum(c);
        }
    }

    /**
     * A 0-d tensor of {@code x}'s type and device holding {@code v}, in libtorch's own memory. Closing it only drops
     * this handle; an autograd node that saved it keeps the storage.
     */
    public static NDArray constant(NDArray x, double v) {
        return x.getManager().full(new Shape(), (float) v, x.getDataType());
    }
}
