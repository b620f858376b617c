package dev.rlhf4j.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.contrastive.ContrastiveConfig;
import dev.rlhf4j.contrastive.ContrastiveObjective;
import dev.rlhf4j.contrastive.TwoViews;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
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
import dev.rlhf4j.train.optim.GradientClipping;
import dev.rlhf4j.train.optim.LrSchedule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import dev.rlhf4j.engine.Scalars;

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
    private long microStep;
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

    /** Trains from scratch, or from {@code resume} (whose weights and optimizer state are already loaded by the caller). */
    public TrainResult fit(List<PreferencePair> train, List<PreferencePair> valid, TrainState resume,
                           java.util.function.Consumer<AdamW> optimizerInit) {
        List<EncodedPair> enc = model.encoder().encodePairs(train);
        List<EncodedPair> validEnc = valid.isEmpty() ? List.of() : model.encoder().encodePairs(valid);
        float[] margins = perPair(train, "margin", loss.needsMargin(), marginScale);
        float[] smoothing = perPairOrDefault(train, "label_smoothing", loss.defaultSmoothing());
        int[] lengths = new int[enc.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = Math.max(enc.get(i).chosen().length(), enc.get(i).rejected().length());
        }
        int batchesPerEpoch = (train.size() + cfg.batchPairs() - 1) / cfg.batchPairs();
        long stepsPerEpoch = (batchesPerEpoch + cfg.gradAccum() - 1) / cfg.gradAccum();
        long totalSteps = stepsPerEpoch * cfg.epochs();
        if (cfg.maxSteps() > 0) totalSteps = Math.min(totalSteps, cfg.maxSteps());
        LrSchedule schedule = new LrSchedule(cfg.lr(), Math.round(totalSteps * cfg.warmupRatio()), totalSteps, cfg.schedule());

        trainable = trainableParameters();
        List<EncodedSequence> metaSeqs = meta == null ? List.of() : meta.encode(model);
        if (cfg.trainTopLayers() > 0) {
            lower = LowerLayerCache.reuseOrCreate(lower, model, firstTrainedLayer());
            lower.fill(model, LowerLayerCache.flatten(enc)); // matches: checked by reuseOrCreate, or built from this model
            if (!metaSeqs.isEmpty()) lower.fill(model, metaSeqs);
        }
        trainable.requireGradients(true);
        if (cfg.dropout() >= 0) model.backbone().setDropout((float) cfg.dropout());
        if (objective != null) model.backbone().setDropout((float) contrastive.dropout()); // the two views differ by dropout
        AdamW opt = new AdamW(model.manager(), trainable, cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay());
        if (optimizerInit != null) optimizerInit.accept(opt);

        TrainState st = resume == null ? TrainState.start() : resume;
        for (TrainListener l : listeners) l.onStart(totalSteps, st);
        long t0 = System.nanoTime();
        double elapsedBefore = st.elapsedSeconds();
        PairMetrics last = null, best = null;
        double lastFiniteLoss = Double.NaN, stepLoss = 0, stepAcc = 0, stepCl = 0;
        int replayedSteps = 0;
        long stepTokens = 0, tokensTotal = 0;
        int micro = 0;
        double stepStart = System.nanoTime();
        double timedSteps = 0, timedSeconds = 0;
        int padId = model.encoder().padId();
        List<int[]> stepBatches = new ArrayList<>(); // micro-batches of the current optimizer step, for a replay

        outer:
        for (int epoch = st.epoch(); epoch < cfg.epochs() && st.optimizerSteps() < totalSteps; epoch++) {
            List<int[]> plan = BatchPlan.plan(lengths, cfg.batchPairs(), cfg.seed(), epoch, cfg.groupByLength());
            int first = epoch == st.epoch() ? st.nextBatch() : 0;
            for (int b = first; b < plan.size(); b++) {
                int[] idx = plan.get(b);
                // Dropout masks are a function of (seed, micro step), so a resumed run repeats them.
                Engines.seed(cfg.seed() * 1_000_003L + st.microSteps());
                microStep = st.microSteps();
                Micro r = forwardBackward(enc, idx, margins, smoothing, padId);
                stepBatches.add(idx);
                if (!Double.isFinite(r.loss())) {
                    throw new IllegalStateException(String.format(
                            "loss became non-finite (%s) at optimizer step %d, epoch %d; last finite loss %.4f. "
                                    + "Lower --lr or check the data for extreme margins.",
                            r.loss(), st.optimizerSteps(), epoch + 1, lastFiniteLoss));
                }
                lastFiniteLoss = r.loss();
                stepLoss += r.loss() / cfg.gradAccum();
                stepAcc += r.accuracy() / cfg.gradAccum();
                stepCl += r.contrastive() / cfg.gradAccum();
                stepTokens += r.tokens();
                micro++;
                boolean endOfEpoch = b == plan.size() - 1;
                st = new TrainState(epoch, b + 1, st.optimizerSteps(), st.microSteps() + 1, st.bestAccuracy(),
                        st.bestLoss(), st.bestStep(), st.skippedSteps(), st.elapsedSeconds());
                if (micro < cfg.gradAccum() && !endOfEpoch) continue;

                // ---- optimizer step ----
                double lr = schedule.at(st.optimizerSteps());
                double norm = GradientClipping.clip(trainable, cfg.clipNorm());
                if (!Double.isFinite(norm)) {
                    // Seen on CPU: a NaN gradient from a finite loss, not reproducible on the same batch. Replaying the
                    // step's micro-batches (same dropout seeds) recovers the gradient the run would have had.
                    GradientClipping.zero(trainable);
                    long firstMicro = st.microSteps() - stepBatches.size();
                    for (int k = 0; k < stepBatches.size(); k++) {
                        Engines.seed(cfg.seed() * 1_000_003L + firstMicro + k);
                        microStep = firstMicro + k;
                        forwardBackward(enc, stepBatches.get(k), margins, smoothing, padId);
                    }
                    norm = GradientClipping.clip(trainable, cfg.clipNorm());
                    replayedSteps++;
                }
                stepBatches.clear();
                boolean skip = !Double.isFinite(norm);
                if (skip) {
                    System.err.printf("step %d: non-finite gradient (norm %s) in %s; update skipped%n", st.optimizerSteps() + 1,
                            norm, GradientClipping.nonFinite(trainable));
                }
                if (!skip) {
                    opt.step(lr);
                    if (objective != null) objective.afterStep();
                }
                GradientClipping.zero(trainable);
                long step = st.optimizerSteps() + 1;
                double now = System.nanoTime();
                double secs = (now - stepStart) / 1e9;
                stepStart = now;
                if (step > 1) { // the first step pays one-off warm-up costs
                    timedSteps++;
                    timedSeconds += secs;
                }
                tokensTotal += stepTokens;
                double elapsed = elapsedBefore + (now - t0) / 1e9;
                st = new TrainState(endOfEpoch ? epoch + 1 : epoch, endOfEpoch ? 0 : b + 1, step, st.microSteps(),
                        st.bestAccuracy(), st.bestLoss(), st.bestStep(), st.skippedSteps() + (skip ? 1 : 0), elapsed);
                TrainListener.StepStats stats = new TrainListener.StepStats(step, totalSteps, epoch + 1, stepLoss, stepAcc,
                        lr, norm, skip, stepTokens, secs, elapsed, objective == null ? Double.NaN : stepCl);
                for (TrainListener l : listeners) l.onStep(stats);
                micro = 0;
                stepLoss = 0;
                stepAcc = 0;
                stepCl = 0;
                stepTokens = 0;

                boolean done = step >= totalSteps;
                boolean evalNow = cfg.evalEvery() > 0 ? step % cfg.evalEvery() == 0 : endOfEpoch;
                if (evalNow || done || endOfEpoch && cfg.evalEvery() <= 0) {
                    if (!validEnc.isEmpty()) {
                        last = validate(validEnc);
                        boolean isBest = last.accuracy() > st.bestAccuracy()
                                || last.accuracy() == st.bestAccuracy() && last.loss() < st.bestLoss();
                        if (isBest) {
                            best = last;
                            st = new TrainState(st.epoch(), st.nextBatch(), st.optimizerSteps(), st.microSteps(),
                                    last.accuracy(), last.loss(), step, st.skippedSteps(), st.elapsedSeconds());
                        }
                        for (TrainListener l : listeners) l.onEval(step, last, isBest, model);
                    }
                    for (TrainListener l : listeners) l.onCheckpoint(model, opt, st);
                    stepStart = System.nanoTime(); // validation and saving are not part of the next step's time
                }
                if (done) break outer;
            }
        }
        trainable.requireGradients(false);
        if (replayedSteps > 0) {
            System.err.printf("%d optimizer step(s) had a non-finite gradient and were recomputed%n", replayedSteps);
        }
        double meanStep = timedSteps > 0 ? timedSeconds / timedSteps : Double.NaN;
        double elapsed = (System.nanoTime() - t0) / 1e9;
        TrainResult result = new TrainResult(st, last, best, meanStep, elapsed > 0 ? tokensTotal / elapsed : Double.NaN);
        for (TrainListener l : listeners) l.onEnd(result);
        return result;
    }

    /** What one micro-batch gave: its mean reward loss, its pairwise accuracy, its real tokens and L_cl (0 when off). */
    private record Micro(double loss, double accuracy, long tokens, double contrastive) {}

    /**
     * Forward and backward of one micro-batch; gradients accumulate (scaled by 1/gradAccum) until the
     * optimizer step. A non-finite loss returns before backward so the caller can stop cleanly.
     */
    private Micro forwardBackward(List<EncodedPair> enc, int[] idx, float[] margins, float[] smoothing, int padId) {
        try (NDScope scope = new NDScope()) {
            List<EncodedSequence> rows = new ArrayList<>(idx.length * 2);
            for (int i : idx) rows.add(enc.get(i).chosen());
            for (int i : idx) rows.add(enc.get(i).rejected());
            TokenBatch batch = TokenBatch.of(rows, padId);
            PairTargets targets = new PairTargets(gather(margins, idx), gather(smoothing, idx));
            int b = idx.length;
            if (meta != null) meta.ascend(model, trainable, lower, microStep);   // θ' = θ + η∇J(meta set)
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
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
                    double acc = rs.get("0:" + b).gt(rs.get(b + ":")).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                            .mean().getFloat();
                    if (Double.isFinite(lv) && Double.isFinite(cv)) gc.backward(Scalars.div(v.total(), cfg.gradAccum()));
                    return new Micro(Double.isFinite(cv) ? lv : cv, acc, batch.realTokens(), cv);
                }
                NDArray r = lower == null ? model.rewards(batch, true)   // (2B): chosen rows, then rejected
                        : model.rewardsAbove(lower.batch(model.manager(), rows, batch.cols()), batch, lower.from(), true);
                NDArray rc = r.get("0:" + b);
                NDArray rr = r.get(b + ":");
                NDArray l = loss.perPair(rc, rr, targets).mean();
                double lv = l.getFloat();
                double acc = rc.gt(rr).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).mean().getFloat();
                if (Double.isFinite(lv)) gc.backward(Scalars.div(l, cfg.gradAccum()));
                return new Micro(lv, acc, batch.realTokens(), 0);
            } finally {
                if (meta != null) meta.restore();   // back to θ, keeping ∇L(θ') for the optimizer
            }
        }
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
