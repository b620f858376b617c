package dev.rlhf4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import dev.rlhf4j.engine.Scalars;

/**
 * MetaRM's meta step (METHODS.md §5, Eq. 10–14): before each micro-batch, move the trainable weights up the gradient
 * of the difference loss J(θ) = (2/k²) Σ_{i<j} σ(|r_θ(x, s_i) − r_θ(x, s_j)|) on m groups of the meta set (a prompt
 * and k responses sampled from the current policy): θ' = θ + η ∇J. The reward loss is then taken at θ' and, once
 * its gradient is in, the weights go back to θ, so the optimizer applies ∇L(θ') to θ (the first-order rule).
 */
public final class MetaStep {
    /** One prompt and its k policy samples. */
    public record Group(List<Turn> context, List<String> responses) {}

    private final double eta;
    private final int groupsPerStep;
    private final List<Group> groups;
    private final long seed;
    private List<List<EncodedSequence>> encoded;
    private final Map<NDArray, NDArray> applied = new LinkedHashMap<>();
    private double lastJ = Double.NaN;

    /**
     * @param eta           meta step size η (plain gradient ascent)
     * @param groupsPerStep m: groups per meta step
     */
    public MetaStep(double eta, int groupsPerStep, List<Group> groups, long seed) {
        if (groups.isEmpty()) throw new IllegalArgumentException("the meta set is empty");
        for (Group g : groups) {
            if (g.responses().size() < 2) throw new IllegalArgumentException("a meta group needs at least 2 responses");
        }
        this.eta = eta;
        this.groupsPerStep = groupsPerStep;
        this.groups = List.copyOf(groups);
        this.seed = seed;
    }

    /** Every meta sequence, encoded once (and added to the lower-layer cache when one is used). */
    List<EncodedSequence> encode(RewardModel model) {
        encoded = new ArrayList<>(groups.size());
        List<EncodedSequence> flat = new ArrayList<>();
        for (Group g : groups) {
            List<List<Turn>> ctx = new ArrayList<>();
            for (int i = 0; i < g.responses().size(); i++) ctx.add(g.context());
            List<EncodedSequence> e = model.encoder().encode(ctx, g.responses());
            encoded.add(e);
            flat.addAll(e);
        }
        return flat;
    }

    /** θ ← θ + η ∇J on the groups drawn for {@code microStep}. */
    void ascend(RewardModel model, ModelParameters trainable, LowerLayerCache lower, long microStep) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + microStep);
        List<EncodedSequence> rows = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int g = 0; g < Math.min(groupsPerStep, encoded.size()); g++) {
            List<EncodedSequence> grp = encoded.get(r.nextInt(encoded.size()));
            rows.addAll(grp);
            sizes.add(grp.size());
        }
        try (NDScope scope = new NDScope()) {
            TokenBatch batch = TokenBatch.of(rows, model.encoder().padId());
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray rw = lower == null ? model.rewards(batch, true)
                        : model.rewardsAbove(lower.batch(model.manager(), rows, batch.cols()), batch, lower.from(), true);
                NDArray j = null;
                int off = 0;
                for (int k : sizes) {
                    NDArray g = rw.get(off + ":" + (off + k));
                    NDArray diff = ai.djl.nn.Activation.sigmoid(g.expandDims(1).sub(g.expandDims(0)).abs()); // (k, k)
                    // Σ_{i<j} = (Σ_{i≠j}) / 2; the diagonal holds σ(0) = ½ each.
                    NDArray sum = Scalars.mul(Scalars.div(diff.sum().sub(0.5f * k), 2f), 2f / (k * k));
                    j = j == null ? sum : j.add(sum);
                    off += k;
                }
                j = Scalars.div(j, (float) sizes.size());
                lastJ = j.getFloat();
                gc.backward(j);
            }
        }
        applied.clear();
        for (NDArray p : trainable.asMap().values()) {
            NDArray delta = Scalars.mul(p.getGradient(), (float) eta);
            p.addi(delta);
            applied.put(p, delta);
        }
        dev.rlhf4j.train.optim.GradientClipping.zero(trainable);
    }

    /** θ' → θ, keeping the gradient taken at θ'. */
    void restore() {
        for (Map.Entry<NDArray, NDArray> e : applied.entrySet()) {
            e.getKey().subi(e.getValue());
            e.getValue().close();
        }
        applied.clear();
    }

    /** The difference loss J of the last meta step. */
    public double lastDifferenceLoss() {
        return lastJ;
    }
}
