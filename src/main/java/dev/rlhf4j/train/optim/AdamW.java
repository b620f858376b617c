package dev.rlhf4j.train.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.weights.HostTensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter) with decoupled weight decay and bias correction, as in PyTorch.
 * Its moments live beside the parameters and are saved with checkpoints so a resumed run continues
 * exactly.
 */
public final class AdamW {
    private final ModelParameters params;
    private final float beta1, beta2, eps, weightDecay;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private long steps;

    public AdamW(NDManager manager, ModelParameters params, double beta1, double beta2, double eps, double weightDecay) {
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
                m.muli(beta1).addi(g.mul(1 - beta1));
                v.muli(beta2).addi(g.square().muli(1 - beta2));
                if (weightDecay != 0) p.muli(1 - (float) lr * weightDecay);
                // p -= stepSize * m / (sqrt(v) / sqrt(bc2) + eps)
                NDArray denom = v.sqrt().divi(sqrtBc2).addi(eps);
                p.subi(m.div(denom).muli(stepSize));
            }
        }
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
    }

    private static HostTensor require(Map<String, HostTensor> state, String name) {
        HostTensor t = state.get(name);
        if (t == null) throw new IllegalArgumentException("optimizer state lacks " + name);
        return t;
    }
}
