package dev.rlhf4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.weights.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;
import dev.rlhf4j.engine.Scalars;

/**
 * AdamW (Loshchilov &amp; Hutter) with decoupled weight decay and bias correction, as in PyTorch.
 * Its moments live beside the parameters and are saved with checkpoints so a resumed run continues
 * exactly.
 *
 * <p>Large tables (the word embeddings: 30,522 rows, half of MiniLM's weights) are updated only on the rows that
 * have ever had a non-zero gradient. A row that never had one has zero moments, and AdamW moves it by
 * 0 / (0 + eps) = 0, so skipping it gives bit for bit the same result while a batch touches a few thousand rows;
 * this saves a dozen passes over the whole table per step.
 */
public final class AdamW {
    private final ModelParameters params;
    private final float beta1, beta2, eps, weightDecay;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    /** Per large table: rows that have had a non-zero gradient (recomputed from the moments after a resume). */
    private final Map<String, boolean[]> touched = new LinkedHashMap<>();
    private final long rowSparseMinRows;
    private long steps;

    public AdamW(NDManager manager, ModelParameters params, double beta1, double beta2, double eps, double weightDecay) {
        this(manager, params, beta1, beta2, eps, weightDecay, 4096);
    }

    /**
     * @param rowSparseMinRows 2-D parameters with at least this many rows update only their touched rows
     *                         ({@code Long.MAX_VALUE}: every parameter dense)
     */
    public AdamW(NDManager manager, ModelParameters params, double beta1, double beta2, double eps, double weightDecay,
                 long rowSparseMinRows) {
        this.rowSparseMinRows = rowSparseMinRows;
        this.params = params;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
            expAvg.put(e.getKey(), manager.zeros(e.getValue().getShape()));
            expAvgSq.put(e.getKey(), manager.zeros(e.getValue().getShape()));
        }
    }

    /** One update with learning rate {@code lr} from the parameters' current gradients. */
    public void step(double lr) {
        steps++;
        float bc1 = (float) (1 - Math.pow(beta1, steps));
        float bc2 = (float) (1 - Math.pow(beta2, steps));
        float stepSize = (float) (lr / bc1);
        float sqrtBc2 = (float) Math.sqrt(bc2);
        try (NDScope scope = new NDScope()) {
            for (Map.Entry<String, NDArray> e : params.asMap().entrySet()) {
                NDArray p = e.getValue();
                NDArray g = p.getGradient();
                NDArray m = expAvg.get(e.getKey());
                NDArray v = expAvgSq.get(e.getKey());
                if (p.getShape().dimension() == 2 && p.getShape().get(0) >= rowSparseMinRows) {
                    stepRows(e.getKey(), p, g, m, v, lr, stepSize, sqrtBc2);
                    continue;
                }
                m.muli(beta1).addi(Scalars.mul(g, 1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                if (weightDecay != 0) p.muli(1 - (float) lr * weightDecay);
                // p -= stepSize * m / (sqrt(v) / sqrt(bc2) + eps)
                NDArray denom = v.sqrt().divi(sqrtBc2).addi(eps);
                p.subi(m.div(denom).muli(stepSize));
            }
        }
    }

    /** The same update as the dense path, on the rows of a table that have ever had a gradient. */
    private void stepRows(String name, NDArray p, NDArray g, NDArray m, NDArray v, double lr, float stepSize, float sqrtBc2) {
        boolean[] seen = touched.get(name);
        if (seen == null) { // first step, or after loadState: the rows whose moments are not zero
            seen = nonZeroRows(m);
            boolean[] sq = nonZeroRows(v);
            for (int i = 0; i < seen.length; i++) seen[i] |= sq[i];
            touched.put(name, seen);
        }
        boolean[] now = nonZeroRows(g);
        int count = 0;
        for (int i = 0; i < seen.length; i++) {
            seen[i] |= now[i];
            if (seen[i]) count++;
        }
        if (weightDecay != 0) p.muli(1 - (float) lr * weightDecay); // every row decays, touched or not
        if (count == 0) return;
        long[] rows = new long[count];
        for (int i = 0, k = 0; i < seen.length; i++) if (seen[i]) rows[k++] = i;
        NDIndex at = new NDIndex("{}", p.getManager().create(rows));
        NDArray gr = g.get(at), mr = m.get(at), vr = v.get(at), pr = p.get(at);
        mr.muli(beta1).addi(Scalars.mul(gr, 1 - beta1));
        vr.muli(beta2).addi(gr.square().muli(1 - beta2));
        NDArray denom = vr.sqrt().divi(sqrtBc2).addi(eps);
        pr.subi(mr.div(denom).muli(stepSize));
        m.set(at, mr);
        v.set(at, vr);
        p.set(at, pr);
    }

    /** Rows holding any non-zero value: max ≠ 0 or min ≠ 0 (two reads, no temporary the size of the table, no underflow). */
    private static boolean[] nonZeroRows(NDArray a) {
        boolean[] hi = a.max(new int[] {1}).neq(0f).toBooleanArray();
        boolean[] lo = a.min(new int[] {1}).neq(0f).toBooleanArray();
        for (int i = 0; i < hi.length; i++) hi[i] |= lo[i];
        return hi;
    }

    public long steps() {
        return steps;
    }

    /** Moments under {@code exp_avg.NAME} / {@code exp_avg_sq.NAME}, as host tensors. */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        expAvg.forEach((k, a) -> out.put("exp_avg." + k, new HostTensor("exp_avg." + k, a.getShape().getShape(), a.toFloatArray())));
        expAvgSq.forEach((k, a) -> out.put("exp_avg_sq." + k, new HostTensor("exp_avg_sq." + k, a.getShape().getShape(), a.toFloatArray())));
        return out;
    }

    public void loadState(Map<String, HostTensor> state, long steps) {
        for (Map.Entry<String, NDArray> e : expAvg.entrySet()) {
            dev.rlhf4j.engine.Engines.assign(e.getValue(), require(state, "exp_avg." + e.getKey()).data());
        }
        for (Map.Entry<String, NDArray> e : expAvgSq.entrySet()) {
            dev.rlhf4j.engine.Engines.assign(e.getValue(), require(state, "exp_avg_sq." + e.getKey()).data());
        }
        this.steps = steps;
        touched.clear();
    }

    private static HostTensor require(Map<String, HostTensor> state, String name) {
        HostTensor t = state.get(name);
        if (t == null) throw new IllegalArgumentException("optimizer state lacks " + name);
        return t;
    }
}
