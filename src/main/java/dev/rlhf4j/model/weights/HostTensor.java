package dev.rlhf4j.model.weights;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named fp32 tensor held on the Java heap, row-major (C order).
 *
 * <p>The arrays are <em>not</em> copied (weights are large); callers must not mutate them after
 * handing them over. {@code equals}/{@code hashCode} are the record defaults (array identity).
 *
 * @param name  the tensor name, e.g. {@code encoder.layer.0.attention.self.query.weight}
 * @param shape the dimensions; {@code []} is a scalar (one element)
 * @param data  the values, {@code data.length == product(shape)}
 */
public record HostTensor(String name, long[] shape, float[] data) {

    public HostTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("Tensor '" + name + "': shape " + Arrays.toString(shape)
                    + " holds " + n + " elements but data has " + data.length);
        }
    }

    /** Number of elements (product of the shape). */
    public long numel() {
        return data.length;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Same data and shape under another name. */
    public HostTensor withName(String newName) {
        return new HostTensor(newName, shape, data);
    }

    /**
     * The transpose of a 2-D tensor ({@code [r, c]} to {@code [c, r]}) under {@code newName}.
     *
     * @throws IllegalStateException if this tensor is not 2-D
     */
    public HostTensor transpose2d(String newName) {
        if (shape.length != 2) {
            throw new IllegalStateException("transpose2d needs a 2-D tensor, '" + name + "' has shape "
                    + Arrays.toString(shape));
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        float[] out = new float[data.length];
        // Blocked transpose: keeps both sides cache-friendly for the 384x1536 matrices of BERT.
        final int b = 32;
        for (int r0 = 0; r0 < rows; r0 += b) {
            int r1 = Math.min(rows, r0 + b);
            for (int c0 = 0; c0 < cols; c0 += b) {
                int c1 = Math.min(cols, c0 + b);
                for (int r = r0; r < r1; r++) {
                    int src = r * cols;
                    for (int c = c0; c < c1; c++) {
                        out[c * rows + r] = data[src + c];
                    }
                }
            }
        }
        return new HostTensor(newName, new long[] {cols, rows}, out);
    }

    /** Product of the dimensions; throws on negative dimensions or overflow past an int array. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("Negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public String toString() {
        return "HostTensor[" + name + " " + Arrays.toString(shape) + " f32]";
    }
}
