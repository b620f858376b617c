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
 *
 * <p>The ascent is either plain, Δθ = η ∇J, or normalised ({@code ascentNorm} R &gt; 0): Δθ = R·‖θ‖·∇J/‖∇J‖, so
 * the step is a fixed fraction R of the trainable weights' L2 norm whatever the size of ∇J (η is then unused).
 * η = 0 (or R = 0) is the control: every draw, forward and backward pass runs as with a real step, only Δθ is 0, so
 * the weights are those of training without the meta step. Each ascent's {@link Stats} (J at θ and at θ', the
 * norms of Δθ, θ and the optimizer's step) are kept for the metrics file.
 */
public final class MetaStep {
    /** One prompt and its k policy samples. */
    public record Group(List<Turn> context, List<String> responses) {}

    /**
     * One ascent, measured: J at θ and at θ' = θ + Δθ (same groups), ‖Δθ‖, ‖θ‖ and ‖∇J‖ over the trainable weights,
     * the multiplier of ∇J that was applied (η, or R‖θ‖/‖∇J‖), and ‖θ_{t+1} − θ_t‖ of the optimizer step that
     * followed (NaN until that step is taken, or when it was skipped).
     */
    public record Stats(double jBefore, double jAfter, double ascentNorm, double weightNorm, double gradNorm, double scale,
                        double optimizerStepNorm) {
        /** The values as metrics fields ({@code meta_*}), in a fixed order. */
        public Map<String, Double> fields() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("meta_j_before", jBefore);
            m.put("meta_j_after", jAfter);
            m.put("meta_ascent_norm", ascentNorm);
            m.put("meta_weight_norm", weightNorm);
            m.put("meta_ascent_to_weight", ascentNorm / weightNorm);
            m.put("meta_adamw_step_norm", optimizerStepNorm);
            m.put("meta_ascent_to_adamw", ascentNorm / optimizerStepNorm);
            m.put("meta_grad_norm", gradNorm);
            m.put("meta_scale", scale);
            return m;
        }
    }

    private final double eta;
    private final double ascentNorm;
    private final int groupsPerStep;
    private final List<Group> groups;
    private final long seed;
    private List<List<EncodedSequence>> encoded;
    private final Map<NDArray, NDArray> applied = new LinkedHashMap<>();
    private double lastJ = Double.NaN;
    private Stats last;
    /** θ before the ascent (host copies), to measure the optimizer's step after it. */
    private final Map<NDArray, float[]> before = new LinkedHashMap<>();

    /**
     * @param eta           meta step size η (plain gradient ascent)
     * @param groupsPerStep m: groups per meta step
     */
    public MetaStep(double eta, int groupsPerStep, List<Group> groups, long seed) {
        this(eta, 0, groupsPerStep, groups, seed);
    }

    /**
     * @param eta           meta step size η (plain gradient ascent), used when {@code ascentNorm} is 0
     * @param ascentNorm    R &gt; 0: normalised ascent ‖Δθ‖ = R·‖θ‖ (η unused); 0: plain ascent with η
     * @param groupsPerStep m: groups per meta step
     */
    public MetaStep(double eta, double ascentNorm, int groupsPerStep, List<Group> groups, long seed) {
        if (eta < 0 || ascentNorm < 0) throw new IllegalArgumentException("η and the ascent norm must be ≥ 0, got " + eta + ", " + ascentNorm);
        if (groups.isEmpty()) throw new IllegalArgumentException("the meta set is empty");
        for (Group g : groups) {
            if (g.responses().size() < 2) throw new IllegalArgumentException("a meta group needs at least 2 responses");
        }
        this.eta = eta;
        this.ascentNorm = ascentNorm;
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

    /** θ ← θ + Δθ (η ∇J, or the normalised step) on the groups drawn for {@code microStep}; measures J before and after. */
    void ascend(RewardModel model, ModelParameters trainable, LowerLayerCache lower, long microStep) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + microStep);
        List<EncodedSequence> rows = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        for (int g = 0; g < Math.min(groupsPerStep, encoded.size()); g++) {
            List<EncodedSequence> grp = encoded.get(r.nextInt(encoded.size()));
            rows.addAll(grp);
            sizes.add(grp.size());
        }
        TokenBatch batch = TokenBatch.of(rows, model.encoder().padId());
        double jBefore;
        try (NDScope scope = new NDScope()) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray j = differenceLoss(model, lower, rows, batch, sizes);
                jBefore = j.getFloat();
                gc.backward(j);
            }
        }
        lastJ = jBefore;
        // Norms in double over every trainable tensor; θ kept on the host to measure the optimizer's step later.
        double g2 = 0, w2 = 0;
        before.clear();
        for (NDArray p : trainable.asMap().values()) {
            g2 += sumOfSquares(p.getGradient().toFloatArray());
            float[] w = p.toFloatArray();
            w2 += sumOfSquares(w);
            before.put(p, w);
        }
        double gradNorm = Math.sqrt(g2), weightNorm = Math.sqrt(w2);
        double scale = ascentNorm > 0 ? (gradNorm > 0 ? ascentNorm * weightNorm / gradNorm : 0) : eta;
        applied.clear();
        for (NDArray p : trainable.asMap().values()) {
            NDArray delta = Scalars.mul(p.getGradient(), (float) scale);
            p.addi(delta);
            applied.put(p, delta);
        }
        dev.rlhf4j.train.optim.GradientClipping.zero(trainable);
        double jAfter;
        try (NDScope scope = new NDScope()) {   // J at θ', no gradient (outside a collector)
            jAfter = differenceLoss(model, lower, rows, batch, sizes).getFloat();
        }
        last = new Stats(jBefore, jAfter, scale * gradNorm, weightNorm, gradNorm, scale, Double.NaN);
    }

    /** J over the drawn groups: the mean over groups of (2/k²) Σ_{i<j} σ(|r_i − r_j|). */
    private static NDArray differenceLoss(RewardModel model, LowerLayerCache lower, List<EncodedSequence> rows, TokenBatch batch,
                                          List<Integer> sizes) {
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
        return Scalars.div(j, (float) sizes.size());
    }

    private static double sumOfSquares(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return s;
    }

    /** After the optimizer's update: ‖θ_{t+1} − θ_t‖ of that update, into the last {@link Stats}. */
    void afterUpdate() {
        if (last == null || before.isEmpty()) return;
        double d2 = 0;
        for (Map.Entry<NDArray, float[]> e : before.entrySet()) {
            float[] now = e.getKey().toFloatArray(), was = e.getValue();
            for (int i = 0; i < now.length; i++) {
                double d = (double) now[i] - was[i];
                d2 += d * d;
            }
        }
        before.clear();
        last = new Stats(last.jBefore(), last.jAfter(), last.ascentNorm(), last.weightNorm(), last.gradNorm(), last.scale(),
                Math.sqrt(d2));
    }

    /** The last ascent's measurements (null before the first). */
    public Stats lastStats() {
        return last;
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
