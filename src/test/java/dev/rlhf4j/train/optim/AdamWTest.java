package dev.rlhf4j.train.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.model.ModelParameters;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The row-sparse update of large tables gives bit for bit the dense update, across steps and a resume. */
class AdamWTest {
    private static final int ROWS = 5000, COLS = 8;

    @Test
    void touchedRowUpdatesEqualTheDenseUpdate() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelParameters dense = params(manager), sparse = params(manager), resumed = params(manager);
            AdamW a = new AdamW(manager, dense, 0.9, 0.95, 1e-6, 0.01, Long.MAX_VALUE);
            AdamW b = new AdamW(manager, sparse, 0.9, 0.95, 1e-6, 0.01, 4096);
            AdamW c = null;
            Random rnd = new Random(3);
            for (int step = 0; step < 5; step++) {
                float[] coef = new float[ROWS * COLS];
                // a few rows per step, a different few each time, one of them with a gradient too small to square
                for (int k = 0; k < 20; k++) {
                    int row = rnd.nextInt(ROWS);
                    for (int j = 0; j < COLS; j++) coef[row * COLS + j] = (float) rnd.nextGaussian();
                }
                coef[(step * 97) * COLS] = 1e-30f;
                float[] small = new float[6];
                for (int j = 0; j < small.length; j++) small[j] = (float) rnd.nextGaussian();
                gradient(manager, dense, coef, small);
                gradient(manager, sparse, coef, small);
                a.step(1e-2);
                b.step(1e-2);
                if (step == 2) { // resume the sparse optimizer from its saved moments
                    for (var e : sparse.asMap().entrySet()) resumed.get(e.getKey()).set(e.getValue().toFloatArray());
                    c = new AdamW(manager, resumed, 0.9, 0.95, 1e-6, 0.01, 4096);
                    c.loadState(b.state(), b.steps());
                } else if (c != null) {
                    gradient(manager, resumed, coef, small);
                    c.step(1e-2);
                }
                for (String name : dense.asMap().keySet()) {
                    assertThat(sparse.get(name).toFloatArray()).as(name + " at step " + step).isEqualTo(dense.get(name).toFloatArray());
                    if (c != null) assertThat(resumed.get(name).toFloatArray()).isEqualTo(dense.get(name).toFloatArray());
                }
            }
            assertThat(b.state().get("exp_avg_sq.table").data()).isEqualTo(a.state().get("exp_avg_sq.table").data());
        }
    }

    private static ModelParameters params(NDManager manager) {
        ModelParameters p = new ModelParameters();
        Random rnd = new Random(1);
        float[] t = new float[ROWS * COLS];
        for (int i = 0; i < t.length; i++) t[i] = (float) rnd.nextGaussian();
        p.add("table", manager.create(t, new Shape(ROWS, COLS)));
        p.add("small", manager.create(new float[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3)));
        p.requireGradients(true);
        return p;
    }

    /** Sets the gradients to the given coefficients (the gradient of Σ p·coef), as a backward pass would. */
    private static void gradient(NDManager manager, ModelParameters p, float[] table, float[] small) {
        GradientClipping.zero(p);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = p.get("table").mul(manager.create(table, new Shape(ROWS, COLS))).sum()
                    .add(p.get("small").mul(manager.create(small, new Shape(2, 3))).sum());
            gc.backward(l);
        }
    }
}
