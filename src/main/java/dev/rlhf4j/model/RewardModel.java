package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Reward model: a backbone, a pooling of its hidden states, and a linear head to one scalar (no
 * bias, as in the paper's code). The head is stored as {@code score.weight}, shape (1, H).
 */
public final class RewardModel implements AutoCloseable {
    public static final String HEAD = "score.weight";

    private final NDManager manager;
    private final Backbone backbone;
    private final Pooling pooling;
    private final SequenceEncoder encoder;
    private final String backboneName;
    private final NDArray head;
    private final ModelParameters all = new ModelParameters();
    private final ModelParameters auxiliary = new ModelParameters();
    private com.fasterxml.jackson.databind.JsonNode tokenizerConfig;
    /** The checkpoint's calibration ({@code config.json} "calibration"), kept through saves; null when none. */
    private com.fasterxml.jackson.databind.node.ObjectNode calibration;
    /** What scored rewards are divided by: the calibration's temperature, or 1 (none, or opted out). */
    private double temperature = 1;
    /** The checkpoint's reward normalisation ({@code config.json} normalize_reward, mean, std), kept through saves; null when none. */
    private RewardNormalization normalization;
    /** Whether scored rewards take (r − mean) / std; when they do, the temperature is not applied (see {@link #withNormalization}). */
    private boolean normalized;

    /**
     * @param manager      owns every parameter; closed with the model
     * @param backboneName how the backbone was named when created (preset or path), for provenance
     * @param headSeed     seed of the head's N(0, 0.02²) initialisation
     */
    public RewardModel(NDManager manager, Backbone backbone, Pooling pooling, SequenceEncoder encoder,
                       String backboneName, long headSeed) {
        this.manager = manager;
        this.backbone = backbone;
        this.pooling = pooling;
        this.encoder = encoder;
        this.backboneName = backboneName;
        int h = backbone.hiddenSize();
        float[] w = new float[h];
        Random rnd = new Random(headSeed);
        for (int i = 0; i < h; i++) w[i] = (float) (rnd.nextGaussian() * 0.02);
        this.head = manager.create(w, new Shape(1, h));
        all.addAll(backbone.parameters());
        all.add(HEAD, head);
    }

    /** Pooled features, the vector the head reads: (N, H). */
    public NDArray features(TokenBatch batch, boolean training) {
        // Inputs and activations are closed by the caller's NDScope (one per step or batch).
        NDArray mask = mask(batch);
        if (pooling == Pooling.CLS) { // the backbone may skip the last layer's other rows
            return backbone.firstTokenStates(backbone.lowerStates(ids(batch), typeIds(batch), mask, 0, training), mask, 0, training);
        }
        NDArray hidden = backbone.hiddenStates(ids(batch), typeIds(batch), mask, training); // (N, T, H)
        return pooling.pool(hidden, mask);
    }

    /** The backbone's embeddings and layers [0, upTo) for a batch, without dropout: (N, T, H). */
    public NDArray lowerStates(TokenBatch batch, int upTo) {
        return backbone.lowerStates(ids(batch), typeIds(batch), mask(batch), upTo, false);
    }

    /**
     * Rewards from cached lower-layer states: layers [from, L) of the backbone, the pooling and the
     * head over {@code lower} (N, T, H), the output of {@link #lowerStates} for {@code batch}.
     */
    public NDArray rewardsAbove(NDArray lower, TokenBatch batch, int from, boolean training) {
        return headOf(featuresAbove(lower, batch, from, training));
    }

    /** Pooled features from cached lower-layer states (see {@link #rewardsAbove}): (N, H). */
    public NDArray featuresAbove(NDArray lower, TokenBatch batch, int from, boolean training) {
        NDArray mask = mask(batch);
        if (pooling == Pooling.CLS) return backbone.firstTokenStates(lower, mask, from, training);
        return pooling.pool(backbone.upperStates(lower, mask, from, training), mask);
    }

    /**
     * Attaches tensors trained beside the model (SwAV's prototypes, {@code swav.prototypes}): they are saved with
     * the checkpoint and restored on resume, and ignored by scoring.
     */
    public void attachAuxiliary(ModelParameters extra) {
        all.addAll(extra);
        auxiliary.addAll(extra);
    }

    /** The tensors attached by {@link #attachAuxiliary}. */
    public ModelParameters auxiliary() {
        return auxiliary;
    }

    private NDArray ids(TokenBatch b) {
        return BatchTensors.ids(manager, b);
    }

    private NDArray typeIds(TokenBatch b) {
        return BatchTensors.typeIds(manager, b);
    }

    private NDArray mask(TokenBatch b) {
        return BatchTensors.mask(manager, b);
    }

    /** Rewards of every row: (N). */
    public NDArray rewards(TokenBatch batch, boolean training) {
        return headOf(features(batch, training));
    }

    /** The head applied to features (N, H) → (N). */
    public NDArray headOf(NDArray features) {
        return features.matMul(head.transpose()).squeeze(1);
    }

    /**
     * Scores sequences without gradients, batching by length to waste little padding. The
     * returned rewards are in input order, on the output scale: normalised when the model carries an applied
     * {@link #normalization()}, else divided by {@link #temperature()}.
     */
    public float[] score(List<EncodedSequence> seqs, int batchSize) {
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> seqs.get(i).length()));
        float[] out = new float[seqs.size()];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<EncodedSequence> part = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) part.add(seqs.get(order[i]));
            try (NDScope scope = new NDScope()) {
                float[] r = calibrated(rewards(TokenBatch.of(part, encoder.padId()), false).toFloatArray());
                for (int i = start; i < end; i++) out[order[i]] = r[i - start];
            }
        }
        return out;
    }

    /**
     * Scored rewards from cached lower-layer states (see {@link #rewardsAbove}), without gradients, on the calibrated
     * scale like {@link #score}: the other way rewards leave the model for a reader.
     */
    public float[] scoreAbove(NDArray lower, TokenBatch batch, int from) {
        return calibrated(rewardsAbove(lower, batch, from, false).toFloatArray());
    }

    /**
     * Raw rewards normalised, or else divided by the temperature, in place: the single place where scored rewards take
     * the output scale. Training reads the raw tensors of {@link #rewards} and {@link #rewardsAbove}, never this.
     */
    private float[] calibrated(float[] raw) {
        if (normalized) {
            for (int i = 0; i < raw.length; i++) raw[i] = normalization.apply(raw[i]);
        } else if (temperature != 1) {
            for (int i = 0; i < raw.length; i++) raw[i] = (float) (raw[i] / temperature);
        }
        return raw;
    }

    /**
     * What {@link #score} divides raw rewards by: the calibration's temperature, 1 without one, after {@link #uncalibrated},
     * or while a normalisation is applied (it replaces the temperature).
     */
    public double temperature() {
        return normalized ? 1 : temperature;
    }

    /** The calibration block ({@code temperature} and how it was fitted) this model carries, applied or not; null if none. */
    public com.fasterxml.jackson.databind.node.ObjectNode calibration() {
        return calibration;
    }

    /**
     * Attaches a calibration and applies it: from now on scored rewards are divided by its {@code temperature}, which
     * must be finite and positive. Ranking and accuracy do not change. Saved with the checkpoint.
     */
    public RewardModel withCalibration(com.fasterxml.jackson.databind.node.ObjectNode block) {
        double t = block.path("temperature").asDouble(Double.NaN);
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("calibration temperature must be a finite positive number, got "
                    + block.get("temperature"));
        }
        this.calibration = block.deepCopy();
        this.temperature = t;
        return this;
    }

    /** Scores on the raw scale from now on (the opt-out); the calibration and normalisation stay attached and are still saved. */
    public RewardModel uncalibrated() {
        this.temperature = 1;
        this.normalized = false;
        return this;
    }

    /** The reward normalisation this model carries, applied or not; null if none. */
    public RewardNormalization normalization() {
        return normalization;
    }

    /** Whether scored rewards are normalised now. */
    public boolean normalized() {
        return normalized;
    }

    /**
     * Attaches a reward normalisation and applies it: from now on scored rewards are (r − mean) / std of the raw reward r.
     * It replaces the temperature rather than composing with it: mean and std are measured on raw rewards, as OpenRLHF
     * measures and applies them, so a checkpoint scores the same here and under OpenRLHF's {@code --normalize_reward}
     * (which never reads the temperature). Ranking and accuracy do not change. Saved with the checkpoint.
     */
    public RewardModel withNormalization(RewardNormalization n) {
        this.normalization = java.util.Objects.requireNonNull(n);
        this.normalized = true;
        return this;
    }

    public ModelParameters parameters() {
        return all;
    }

    /** The LoRA adapter on the backbone's linear layers, or null (a full model). */
    private dev.rlhf4j.model.lora.LoraAdapter adapter;

    public dev.rlhf4j.model.lora.LoraAdapter adapter() {
        return adapter;
    }

    /**
     * Puts {@code a} on the backbone (null takes it off): its A and B are not among {@link #parameters()} (those keep
     * the base's names for a full checkpoint); a save writes the adapter in PEFT's layout instead.
     */
    public RewardModel withAdapter(dev.rlhf4j.model.lora.LoraAdapter a) {
        backbone.adapt(a);
        this.adapter = a;
        return this;
    }

    public Backbone backbone() {
        return backbone;
    }

    public Pooling pooling() {
        return pooling;
    }

    public SequenceEncoder encoder() {
        return encoder;
    }

    /** The checkpoint's tokenizer_config.json (chat template, special tokens) when it had one, else null. */
    public com.fasterxml.jackson.databind.JsonNode tokenizerConfig() {
        return tokenizerConfig;
    }

    public RewardModel withTokenizerConfig(com.fasterxml.jackson.databind.JsonNode config) {
        this.tokenizerConfig = config;
        return this;
    }

    public String backboneName() {
        return backboneName;
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        encoder.tokenizer().close();
        manager.close();
    }
}
