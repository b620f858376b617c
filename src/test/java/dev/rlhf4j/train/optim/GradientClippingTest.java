package dev.rlhf4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GradientClippingTest {
    /** The blocked Σ g² of tensors above one block (a table, a flat vector) equals the sum over all of them in double. */
    @Test
    void blockedSquaredSumIsTheExactSum() {
        try (NDManager m = NDManager.newBaseManager()) {
            Random rnd = new Random(5);
            for (Shape shape : new Shape[] {new Shape(3001, 700), new Shape(2_500_001), new Shape(40, 3, 20_000), new Shape(7, 5)}) {
                float[] v = new float[(int) shape.size()];
                double exact = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (rnd.nextGaussian() * (i % 7 == 0 ? 10 : 1));
                    exact += (double) v[i] * v[i];
                }
                NDArray g = m.create(v, shape);
                double blocked = GradientClipping.squaredSum(g).getFloat();
                assertThat(blocked).as(shape.toString()).isCloseTo(exact, within(exact * 2e-6));
            }
        }
    }
}
