package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.train.optim.OptimConfig;

/**
 * Reward-model training settings; build with {@link #builder()} (defaults in {@link Defaults}, which the CLI's
 * options name too). Defaults follow METHODS.md §1 where the paper fixes them (betas 0.9/0.95, eps 1e-6, no weight
 * decay, clip 1.0, one epoch, warmup then decay) and our measurements on small encoders elsewhere (learning rate,
 * batch size).
 *
 * @param epochs         passes over the training pairs (a second one overfits HH-RLHF)
 * @param batchPairs     pairs per micro-batch; chosen and rejected share one forward pass
 * @param gradAccum      micro-batches per optimizer step
 * @param optim          AdamW: peak learning rate (small backbones want 1e-5 to 5e-5), betas, ε, weight decay
 * @param warmupRatio    fraction of optimizer steps spent warming up
 * @param schedule       decay after warmup: linear, cosine or constant
 * @param clipNorm       global gradient-norm clip, 0 = off
 * @param seed           seeds data order, dropout and the head's init
 * @param evalEvery      optimizer steps between validations, 0 = at the end of each epoch only
 * @param maxSteps       stop after this many optimizer steps, 0 = no limit
 * @param groupByLength  batch pairs of similar length to waste less padding
 * @param dropout        dropout in the backbone during training, negative = the backbone's own (0: off, as TRL's
 *                       RewardConfig does by default; also 25% faster)
 * @param freezeEmbeddings keep the token-embedding table fixed: ~25% faster steps
 * @param trainTopLayers train only the top K backbone layers and the head, over lower-layer states computed once
 *                       (0: train everything, the faithful default)
 * @param recompute      activation recomputation: the backbone keeps only each layer's input in the forward pass and
 *                       runs the layer again for its gradient (less memory, about one more forward pass per step)
 */
public record TrainConfig(
        int epochs, int batchPairs, int gradAccum, OptimConfig optim, double warmupRatio, String schedule,
        double clipNorm, long seed, int evalEvery, long maxSteps, boolean groupByLength, double dropout,
        boolean freezeEmbeddings, int trainTopLayers, boolean recompute) {

    /** The defaults, as text so that picocli's {@code defaultValue}s name the same constants. */
    public static final class Defaults {
        public static final String EPOCHS = "1", BATCH_PAIRS = "8", GRAD_ACCUM = "1", LR = "3e-5",
                WARMUP_RATIO = "0.1", SCHEDULE = "linear", CLIP_NORM = "1.0",
                SEED = "42", EVAL_EVERY = "50", MAX_STEPS = "0", DROPOUT = "0", TRAIN_TOP_LAYERS = "0";

        private Defaults() {}
    }

    public TrainConfig {
        if (trainTopLayers < 0) throw new IllegalArgumentException("--train-top-layers must be >= 0, got " + trainTopLayers);
    }

    public static TrainConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder().epochs(epochs).batchPairs(batchPairs).gradAccum(gradAccum).optim(optim).warmupRatio(warmupRatio)
                .schedule(schedule).clipNorm(clipNorm).seed(seed).evalEvery(evalEvery).maxSteps(maxSteps)
                .groupByLength(groupByLength).dropout(dropout).freezeEmbeddings(freezeEmbeddings).trainTopLayers(trainTopLayers)
                .recompute(recompute);
    }

    /** Named setters over {@link Defaults}. */
    public static final class Builder {
        private int epochs = Integer.parseInt(Defaults.EPOCHS), batchPairs = Integer.parseInt(Defaults.BATCH_PAIRS),
                gradAccum = Integer.parseInt(Defaults.GRAD_ACCUM), evalEvery = Integer.parseInt(Defaults.EVAL_EVERY),
                trainTopLayers = Integer.parseInt(Defaults.TRAIN_TOP_LAYERS);
        private OptimConfig optim = new OptimConfig(Double.parseDouble(Defaults.LR), OptimConfig.BETA1, OptimConfig.BETA2,
                OptimConfig.EPS_REWARD_MODEL, 0);
        private double warmupRatio = Double.parseDouble(Defaults.WARMUP_RATIO), clipNorm = Double.parseDouble(Defaults.CLIP_NORM),
                dropout = Double.parseDouble(Defaults.DROPOUT);
        private String schedule = Defaults.SCHEDULE;
        private long seed = Long.parseLong(Defaults.SEED), maxSteps = Long.parseLong(Defaults.MAX_STEPS);
        private boolean groupByLength = true, freezeEmbeddings = false, recompute = false;

        private Builder() {}

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchPairs(int v) { batchPairs = v; return this; }
        public Builder gradAccum(int v) { gradAccum = v; return this; }
        public Builder optim(OptimConfig v) { optim = v; return this; }
        public Builder lr(double v) { optim = optim.withLr(v); return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder groupByLength(boolean v) { groupByLength = v; return this; }
        public Builder dropout(double v) { dropout = v; return this; }
        public Builder freezeEmbeddings(boolean v) { freezeEmbeddings = v; return this; }
        public Builder trainTopLayers(int v) { trainTopLayers = v; return this; }
        public Builder recompute(boolean v) { recompute = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchPairs, gradAccum, optim, warmupRatio, schedule, clipNorm, seed, evalEvery,
                    maxSteps, groupByLength, dropout, freezeEmbeddings, trainTopLayers, recompute);
        }
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("epochs", epochs);
        o.put("batch_pairs", batchPairs);
        o.put("grad_accum", gradAccum);
        o.put("lr", optim.lr());
        o.put("beta1", optim.beta1());
        o.put("beta2", optim.beta2());
        o.put("eps", optim.eps());
        o.put("weight_decay", optim.weightDecay());
        o.put("warmup_ratio", warmupRatio);
        o.put("schedule", schedule);
        o.put("clip_norm", clipNorm);
        o.put("seed", seed);
        o.put("eval_every", evalEvery);
        o.put("max_steps", maxSteps);
        o.put("group_by_length", groupByLength);
        o.put("dropout", dropout);
        o.put("freeze_embeddings", freezeEmbeddings);
        o.put("train_top_layers", trainTopLayers);
        o.put("recompute", recompute);
        return o;
    }
}
