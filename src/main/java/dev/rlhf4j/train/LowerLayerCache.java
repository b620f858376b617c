package dev.rlhf4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen lower part of a backbone, computed once: for every sequence, the hidden states that
 * enter the first trained layer. Training the top K of L layers then runs K layers per step instead
 * of L, forward and backward, and scoring runs K layers per sequence.
 *
 * <p>Real tokens get exactly what the full forward pass gives them; padding positions are zeros,
 * which attention masks out and CLS or mean pooling never reads. Sequences are keyed by their token
 * ids, so one cache serves every model whose embeddings and layers below {@link #from()} are the
 * ones it was built with: the members of a strength ensemble and the denoised variants of a run,
 * all created from the same pretrained backbone with those layers frozen.
 */
public final class LowerLayerCache {
    private record Key(int[] ids, int[] typeIds) {
        static Key of(EncodedSequence s) {
            return new Key(s.ids(), s.typeIds());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids) && Arrays.equals(typeIds, k.typeIds);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds);
        }
    }

    private final int from;
    private final float[] fingerprint;
    private final int hidden;
    private final int batchSize;
    private final Map<Key, float[]> states = new HashMap<>();
    private double seconds;

    private LowerLayerCache(int from, float[] fingerprint, int hidden, int batchSize) {
        this.from = from;
        this.fingerprint = fingerprint;
        this.hidden = hidden;
        this.batchSize = batchSize;
    }

    /** An empty cache of the input of layer {@code from}; {@link #ensure} fills it. */
    public static LowerLayerCache of(RewardModel model, int from) {
        return of(model, from, 64);
    }

    static LowerLayerCache of(RewardModel model, int from, int batchSize) {
        if (from < 0 || from > model.backbone().numLayers()) {
            throw new IllegalArgumentException("layer " + from + " is outside the backbone's 0.."
                    + model.backbone().numLayers());
        }
        return new LowerLayerCache(from, fingerprint(model, from), model.backbone().hiddenSize(), batchSize);
    }

    /**
     * {@code shared} when it caches the input of layer {@code from} for {@code model}'s frozen weights,
     * otherwise a new empty cache for it: how a trainer or an ensemble takes a cache handed in.
     */
    public static LowerLayerCache reuseOrCreate(LowerLayerCache shared, RewardModel model, int from) {
        return shared != null && shared.from() == from && shared.matches(model) ? shared : of(model, from);
    }

    /** The cache for the top {@code topLayers} layers of {@code model}'s backbone. */
    public static LowerLayerCache forTopLayers(RewardModel model, int topLayers) {
        return of(model, firstTrainedLayer(model, topLayers));
    }

    /** L − K, the first of the top {@code topLayers} = K layers; K must be 1..L. */
    public static int firstTrainedLayer(RewardModel model, int topLayers) {
        int layers = model.backbone().numLayers();
        if (topLayers < 1 || topLayers > layers) {
            throw new IllegalArgumentException("--train-top-layers " + topLayers + " exceeds the backbone's " + layers
                    + " layers");
        }
        return layers - topLayers;
    }

    /**
     * Rewards of pairs ({@code [0]} chosen, {@code [1]} rejected): through {@code cache} when it is
     * non-null and fits {@code model}, otherwise with the full forward pass of {@code PairScorer}.
     */
    public static float[][] score(LowerLayerCache cache, RewardModel model, List<PreferencePair> pairs) {
        return cache != null && cache.matches(model) ? cache.scoreMatched(model, pairs) : PairScorer.score(model, pairs, 64);
    }

    /**
     * Whether {@code model}'s frozen part is the one this cache was built with. Pretrained backbones
     * share it whatever their seed; randomly initialised ones do not, and get a cache of their own.
     */
    public boolean matches(RewardModel model) {
        return Arrays.equals(fingerprint, fingerprint(model, from));
    }

    /** Sum and absolute sum of every tensor below layer {@code from}: cheap, and different for different weights. */
    private static float[] fingerprint(RewardModel model, int from) {
        var upper = model.backbone().parametersFrom(from).asMap().keySet();
        List<Float> f = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            for (var e : model.backbone().parameters().asMap().entrySet()) {
                if (upper.contains(e.getKey())) continue;
                f.add(e.getValue().sum().getFloat());
                f.add(e.getValue().abs().sum().getFloat());
            }
        }
        float[] out = new float[f.size()];
        for (int i = 0; i < out.length; i++) out[i] = f.get(i);
        return out;
    }

    /** Runs the embeddings and layers [0, from) of {@code model} over the sequences not cached yet. */
    public LowerLayerCache ensure(RewardModel model, List<EncodedSequence> seqs) {
        requireMatch(model);
        fill(model, seqs);
        return this;
    }

    /** {@link #ensure} for a model already known to match. */
    void fill(RewardModel model, List<EncodedSequence> seqs) {
        long t0 = System.nanoTime();
        Map<Key, EncodedSequence> missing = new HashMap<>();
        for (EncodedSequence s : seqs) {
            Key k = Key.of(s);
            if (!states.containsKey(k)) missing.putIfAbsent(k, s);
        }
        List<EncodedSequence> todo = new ArrayList<>(missing.values());
        todo.sort(Comparator.comparingInt(EncodedSequence::length)); // little padding per batch
        int padId = model.encoder().padId();
        for (int start = 0; start < todo.size(); start += batchSize) {
            List<EncodedSequence> part = todo.subList(start, Math.min(todo.size(), start + batchSize));
            TokenBatch batch = TokenBatch.of(part, padId);
            try (NDScope scope = new NDScope()) {
                float[] all = model.lowerStates(batch, from).toFloatArray(); // (N, T, H), row-major
                int rowStride = batch.cols() * hidden;
                for (int r = 0; r < part.size(); r++) {
                    EncodedSequence s = part.get(r);
                    states.put(Key.of(s), Arrays.copyOfRange(all, r * rowStride, r * rowStride + s.length() * hidden));
                }
            }
        }
        seconds += (System.nanoTime() - t0) / 1e9;
    }

    /** Caches both responses of every pair, encoded by {@code model}'s encoder. */
    public LowerLayerCache ensurePairs(RewardModel model, List<PreferencePair> pairs) {
        return ensure(model, flatten(model.encoder().encodePairs(pairs)));
    }

    /** The first layer that runs over the cached states. */
    public int from() {
        return from;
    }

    /** Seconds spent computing the lower layers so far. */
    public double seconds() {
        return seconds;
    }

    public int size() {
        return states.size();
    }

    /** The cached states of {@code rows}, padded with zeros to {@code cols} tokens: (rows, cols, H). */
    NDArray batch(NDManager manager, List<EncodedSequence> rows, int cols) {
        float[] buf = new float[rows.size() * cols * hidden];
        for (int r = 0; r < rows.size(); r++) {
            float[] s = states.get(Key.of(rows.get(r)));
            if (s == null) throw new IllegalStateException("row " + r + " of the batch is not in the lower-layer cache");
            System.arraycopy(s, 0, buf, r * cols * hidden, s.length);
        }
        return manager.create(buf, new Shape(rows.size(), cols, hidden));
    }

    /**
     * Rewards of pairs from the cached states (layers [from, L), pooling and head of {@code model}):
     * {@code [0]} chosen, {@code [1]} rejected, as {@code PairScorer.score} gives them. Pairs not
     * cached yet are added first.
     */
    public float[][] scorePairs(RewardModel model, List<PreferencePair> pairs) {
        requireMatch(model);
        return scoreMatched(model, pairs);
    }

    private float[][] scoreMatched(RewardModel model, List<PreferencePair> pairs) {
        List<EncodedPair> enc = model.encoder().encodePairs(pairs);
        List<EncodedSequence> seqs = flatten(enc);
        fill(model, seqs);
        Integer[] order = new Integer[seqs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> seqs.get(i).length()));
        float[] r = new float[seqs.size()];
        int padId = model.encoder().padId();
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<EncodedSequence> part = new ArrayList<>(end - start);
            for (int i = start; i < end; i++) part.add(seqs.get(order[i]));
            try (NDScope scope = new NDScope()) {
                TokenBatch batch = TokenBatch.of(part, padId);
                float[] out = model.scoreAbove(batch(model.manager(), part, batch.cols()), batch, from);
                for (int i = start; i < end; i++) r[order[i]] = out[i - start];
            }
        }
        float[][] s = new float[2][enc.size()];
        for (int i = 0; i < enc.size(); i++) {
            s[0][i] = r[2 * i];
            s[1][i] = r[2 * i + 1];
        }
        return s;
    }

    private void requireMatch(RewardModel model) {
        if (!matches(model)) {
            throw new IllegalArgumentException("this model's embeddings or layers below " + from
                    + " differ from those the lower-layer cache was built with");
        }
    }

    static List<EncodedSequence> flatten(List<EncodedPair> enc) {
        List<EncodedSequence> seqs = new ArrayList<>(2 * enc.size());
        for (EncodedPair p : enc) {
            seqs.add(p.chosen());
            seqs.add(p.rejected());
        }
        return seqs;
    }
}
