package dev.rlhf4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.contrastive.ContrastiveObjective;
import dev.rlhf4j.contrastive.TwoViews;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;
import dev.rlhf4j.text.TokenBatch;
import dev.rlhf4j.train.loss.PairTargets;
import dev.rlhf4j.train.loss.PairwiseLoss;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.optim.LrSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Trains a reward model on preference pairs. Chosen and rejected responses of a batch go through
 * one forward pass (rows 0..B−1 chosen, B..2B−1 rejected); the loss is a {@link PairwiseLoss}.
 */
public final class RewardTrainer {
    private final RewardModel model;
    private final TrainConfig cfg;
    private final PairwiseLoss loss;
    private final double marginScale;
    private final List<TrainListener> listeners;
    /** Lower-layer states when only the top layers train (built by fit unless one is shared in). */
    private LowerLayerCache lower;
    /** Contrastive learning (the paper's §4), or null. */
    private ContrastiveConfig contrastive;
    private ContrastiveObjective objective;
    /** MetaRM's meta step, or null. */
    private MetaStep meta;
    private ModelParameters trainable;

    /**
     * @param marginScale multiplies every pair's {@code margin} field before a margin loss reads it
     */
    public RewardTrainer(RewardModel model, TrainConfig cfg, PairwiseLoss loss, double marginScale,
                         List<TrainListener> listeners) {
        this.model = model;
        this.cfg = cfg;
        this.loss = loss;
        this.marginScale = marginScale;
        this.listeners = List.copyOf(listeners);
    }

    /**
     * Shares a lower-layer cache (e.g. across the members of an ensemble) for training with
     * {@code trainTopLayers > 0}; sequences it lacks are added. Ignored when every weight trains.
     */
    public RewardTrainer withLowerLayers(LowerLayerCache cache) {
        this.lower = cache;
        return this;
    }

    /**
     * Adds β·L_cl over two dropout views of every batch. The objective's own tensors (SwAV's prototypes) must
     * already be attached to the model ({@link RewardModel#attachAuxiliary}) so they train, save and resume with it.
     */
    public RewardTrainer withContrastive(ContrastiveConfig config, ContrastiveObjective objective) {
        this.contrastive = config;
        this.objective = objective;
        return this;
    }

    /** Adds MetaRM's meta step before every micro-batch (see {@link MetaStep}). */
    public RewardTrainer withMetaStep(MetaStep step) {
        this.meta = step;
        return this;
    }

    /**
     * Trains from scratch, or from {@code resume} (whose weights the caller has loaded; the optimizer's moments and
     * the counters are restored here).
     */
    public TrainResult fit(List<PreferencePair> train, List<PreferencePair> valid, ResumeState.Loaded resume) {
        List<EncodedPair> enc = model.encoder().encodePairs(train);
        List<EncodedPair> validEnc = valid.isEmpty() ? List.of() : model.encoder().encodePairs(valid);
        float[] margins = perPair(train, "margin", loss.needsMargin(), marginScale);
        float[] smoothing = perPairOrDefault(train, "label_smoothing", loss.defaultSmoothing());
        int[] lengths = new int[enc.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = Math.max(enc.get(i).chosen().length(), enc.get(i).rejected().length());
        }
        int batchesPerEpoch = (train.size() + cfg.batchPairs() - 1) / cfg.batchPairs();
        long totalSteps = Loop.totalSteps(batchesPerEpoch, cfg.gradAccum(), cfg.epochs(), cfg.maxSteps());
        Loop<int[]> loop = loop(enc, margins, smoothing, totalSteps);
        if (resume != null) resume.restore(OPTIMIZER, loop.optimizers().get(OPTIMIZER));
        PairMetrics[] lastAndBest = new PairMetrics[2];
        Loop.Evaluator evaluator = validEnc.isEmpty() ? null : (step, st) -> {
            PairMetrics m = validate(validEnc);
            lastAndBest[0] = m;
            boolean best = m.accuracy() > st.bestAccuracy() || m.accuracy() == st.bestAccuracy() && m.loss() < st.bestLoss();
            if (best) lastAndBest[1] = m;
            return new TrainListener.Evaluation(m.toJson(), String.format("accuracy %.4f ±%.3f  loss %.4f  ece %.4f",
                    m.accuracy(), m.accuracyCi95(), m.loss(), m.ece()), best, m.accuracy(), m.loss());
        };
        Loop.Result r;
        try {
            r = loop.run(epoch -> BatchPlan.plan(lengths, cfg.batchPairs(), cfg.seed(), epoch, cfg.groupByLength()),
                    new Loop.Schedule(cfg.epochs(), totalSteps, cfg.evalEvery()),
                    resume == null ? TrainState.start() : resume.state(), evaluator, listeners);
        } finally {
            trainable.requireGradients(false);
        }
        return new TrainResult(r.state(), lastAndBest[0], lastAndBest[1], r.meanStepSeconds(), r.tokensPerSecond());
    }

    /** The name of the reward model's optimizer in the resume state. */
    public static final String OPTIMIZER = "model";

    /**
     * The production step over {@code enc} (batches are pair indices) in a loop with its AdamW: what {@link #fit}
     * runs and {@code bench} times. Sets the trainable weights' gradients on and the training dropout.
     *
     * @param margins   per-pair margins (null: none), already scaled
     * @param smoothing per-pair label smoothing (null: the loss's default)
     */
    public Loop<int[]> loop(List<EncodedPair> enc, float[] margins, float[] smoothing, long totalSteps) {
        LrSchedule schedule = new LrSchedule(cfg.optim().lr(), Math.round(totalSteps * cfg.warmupRatio()), totalSteps,
                cfg.schedule());
        trainable = trainableParameters();
        List<EncodedSequence> metaSeqs = meta == null ? List.of() : meta.encode(model);
        if (cfg.trainTopLayers() > 0) {
            lower = LowerLayerCache.reuseOrCreate(lower, model, firstTrainedLayer());
            lower.fill(model, LowerLayerCache.flatten(enc)); // matches: checked by reuseOrCreate, or built from this model
            if (!metaSeqs.isEmpty()) lower.fill(model, metaSeqs);
        }
        trainable.requireGradients(true);
        model.backbone().recompute(cfg.recompute());
        if (cfg.dropout() >= 0) model.backbone().setDropout((float) cfg.dropout());
        if (objective != null) model.backbone().setDropout((float) contrastive.dropout()); // the two views differ by dropout
        AdamW opt = cfg.optim().create(model.manager(), trainable);
        return new Loop<>(new PairStep(enc, margins, smoothing, model.encoder().padId()),
                new Loop.Settings(cfg.gradAccum(), cfg.clipNorm(), cfg.seed()),
                List.of(new Loop.Group(OPTIMIZER, trainable, opt, schedule)));
    }

    /** One micro-batch of pairs: chosen rows 0..B−1 and rejected B..2B−1 in one forward pass, the pairwise loss. */
    private final class PairStep implements Loop.Step<int[]> {
        private final List<EncodedPair> enc;
        private final float[] margins, smoothing;
        private final int padId;

        PairStep(List<EncodedPair> enc, float[] margins, float[] smoothing, int padId) {
            this.enc = enc;
            this.margins = margins;
            this.smoothing = smoothing;
            this.padId = padId;
        }

        @Override
        public List<String> statNames() {
            return objective == null ? List.of("accuracy") : List.of("accuracy", "reward_loss", "contrastive_loss");
        }

        @Override
        public void beforeForward(long microStep) {
            if (meta != null) meta.ascend(model, trainable, lower, microStep);   // θ' = θ + η∇J(meta set)
        }

        @Override
        public void afterBackward() {
            if (meta != null) meta.restore();   // back to θ, keeping ∇L(θ') for the optimizer
        }

        @Override
        public void afterUpdate() {
            if (objective != null) objective.afterStep();
            if (meta != null) meta.afterUpdate();   // ‖θ_{t+1} − θ_t‖ of this AdamW step
        }

        @Override
        public Map<String, Double> stepStats() {
            MetaStep.Stats s = meta == null ? null : meta.lastStats();
            return s == null ? Map.of() : s.fields();
        }

        @Override
        public Loop.Micro forward(int[] idx) {
            List<EncodedSequence> rows = new ArrayList<>(idx.length * 2);
            for (int i : idx) rows.add(enc.get(i).chosen());
            for (int i : idx) rows.add(enc.get(i).rejected());
            TokenBatch batch = TokenBatch.of(rows, padId);
            PairTargets targets = new PairTargets(gather(margins, idx), gather(smoothing, idx));
            int b = idx.length;
            if (objective != null) {
                // Both views in one forward pass of the batch stacked twice: dropout masks differ per row, and one
                // pass of 4B rows is cheaper than two of 2B.
                List<EncodedSequence> twice = new ArrayList<>(rows);
                twice.addAll(rows);
                NDArray f = features(TokenBatch.of(twice, padId), twice);
                TwoViews.Losses v = TwoViews.losses(f.get("0:" + 2 * b), f.get(2 * b + ":"), b, model::headOf,
                        (c, r) -> loss.perPair(c, r, targets).mean(), contrastive, objective);
                double lv = v.reward().getFloat(), cv = v.contrastive().getFloat();
                NDArray rs = v.rewardsS();
                double acc = accuracy(rs.get("0:" + b), rs.get(b + ":"));
                double reported = Double.isFinite(cv) ? lv : cv;
                return new Loop.Micro(v.total(), reported, batch.realTokens(), acc, reported, cv);
            }
            NDArray r = lower == null ? model.rewards(batch, true)   // (2B): chosen rows, then rejected
                    : model.rewardsAbove(lower.batch(model.manager(), rows, batch.cols()), batch, lower.from(), true);
            NDArray rc = r.get("0:" + b);
            NDArray rr = r.get(b + ":");
            NDArray l = loss.perPair(rc, rr, targets).mean();
            return new Loop.Micro(l, l.getFloat(), batch.realTokens(), accuracy(rc, rr));
        }
    }

    private static double accuracy(NDArray chosen, NDArray rejected) {
        return chosen.gt(rejected).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
    }

    /** Pooled features of a batch with dropout active: the full pass, or the top layers over the cache. */
    private NDArray features(TokenBatch batch, List<EncodedSequence> rows) {
        return lower == null ? model.features(batch, true)
                : model.featuresAbove(lower.batch(model.manager(), rows, batch.cols()), batch, lower.from(), true);
    }

    private PairMetrics validate(List<EncodedPair> validEnc) {
        float[][] s = PairScorer.scoreEncoded(model, validEnc, 4 * cfg.batchPairs());
        return PairMetrics.of(s[0], s[1]);
    }

    /** The lowest backbone layer that trains: L − K when only the top K train, else 0. */
    private int firstTrainedLayer() {
        return cfg.trainTopLayers() == 0 ? 0 : LowerLayerCache.firstTrainedLayer(model, cfg.trainTopLayers());
    }

    private ModelParameters trainableParameters() {
        if (model.adapter() != null) { // LoRA: A and B, the head in full (PEFT's modules_to_save); the base stays frozen
            if (cfg.trainTopLayers() > 0) throw new IllegalArgumentException("--train-top-layers and LoRA (--lora-r) do not combine");
            ModelParameters p = new ModelParameters();
            p.addAll(model.adapter().parameters());
            p.add(RewardModel.HEAD, model.parameters().asMap().get(RewardModel.HEAD));
            p.addAll(model.auxiliary());
            return p;
        }
        if (cfg.trainTopLayers() > 0) {
            ModelParameters p = new ModelParameters();
            p.addAll(model.backbone().parametersFrom(firstTrainedLayer()));
            p.add(RewardModel.HEAD, model.parameters().asMap().get(RewardModel.HEAD));
            p.addAll(model.auxiliary());
            return p;
        }
        if (!cfg.freezeEmbeddings()) return model.parameters();
        ModelParameters p = new ModelParameters();
        for (Map.Entry<String, NDArray> e : model.parameters().asMap().entrySet()) {
            if (!e.getKey().endsWith("word_embeddings.weight") && !e.getKey().endsWith("embed_tokens.weight")) {
                p.add(e.getKey(), e.getValue());
            }
        }
        return p;
    }

    private NDArray gather(float[] values, int[] idx) {
        if (values == null) return null;
        float[] v = new float[idx.length];
        for (int i = 0; i < idx.length; i++) v[i] = values[idx[i]];
        NDManager m = model.manager();
        return m.create(v);
    }

    /** A numeric field of every pair, {@code fallback} where a pair lacks it; null when no pair has it. */
    static float[] perPairOrDefault(List<PreferencePair> pairs, String field, double fallback) {
        float[] out = new float[pairs.size()];
        boolean any = false;
        for (int i = 0; i < pairs.size(); i++) {
            OptionalDouble v = pairs.get(i).number(field);
            any |= v.isPresent();
            out[i] = (float) v.orElse(fallback);
        }
        return any ? out : null;
    }

    /** A numeric field of every pair, scaled; null when no pair has it (and it is not required). */
    static float[] perPair(List<PreferencePair> pairs, String field, boolean required, double scale) {
        float[] out = new float[pairs.size()];
        boolean any = false;
        for (int i = 0; i < pairs.size(); i++) {
            OptionalDouble v = pairs.get(i).number(field);
            if (v.isPresent()) {
                out[i] = (float) (v.getAsDouble() * scale);
                any = true;
            } else if (required) {
                PreferencePair p = pairs.get(i);
                throw new IllegalArgumentException(p.file() + ":" + p.line() + ": pair '" + p.id()
                        + "' has no numeric '" + field + "' field, which this loss needs (run 'rlhf4j denoise' to attach margins)");
            }
        }
        return any || required ? out : null;
    }
}
