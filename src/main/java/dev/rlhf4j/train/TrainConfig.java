package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reward-model training settings. Defaults follow METHODS.md §1 where the paper fixes them (betas
 * 0.9/0.95, eps 1e-6, no weight decay, clip 1.0, one epoch, warmup then decay) and our
 * measurements on small encoders elsewhere (learning rate, batch size).
 *
 * @param epochs         passes over the training pairs (1; a second one overfits HH-RLHF)
 * @param batchPairs     pairs per micro-batch (8); chosen and rejected share one forward pass
 * @param gradAccum      micro-batches per optimizer step (1)
 * @param lr             peak learning rate (3e-5; small backbones want 1e-5 to 5e-5)
 * @param beta1          AdamW β1 (0.9)
 * @param beta2          AdamW β2 (0.95, the paper's)
 * @param eps            AdamW ε (1e-6)
 * @param weightDecay    decoupled weight decay (0)
 * @param warmupRatio    fraction of optimizer steps spent warming up (0.1)
 * @param schedule       decay after warmup: linear, cosine or constant (linear)
 * @param clipNorm       global gradient-norm clip, 0 = off (1.0)
 * @param seed           seeds data order, dropout and the head's init (42)
 * @param evalEvery      optimizer steps between validations, 0 = at the end of each epoch only (50)
 * @param maxSteps       stop after this many optimizer steps, 0 = no limit (0)
 * @param groupByLength  batch pairs of similar length to waste less padding (true)
 * @param dropout        dropout in the backbone during training, negative = the backbone's own (0: off, as TRL's RewardConfig does by default; also 25% faster)
 * @param freezeEmbeddings keep the token-embedding table fixed: ~25% faster steps (false)
 * @param trainTopLayers train only the top K backbone layers and the head, over lower-layer states
 *                       computed once (0: train everything, the faithful default)
 */
public record TrainConfig(
        int epochs, int batchPairs, int gradAccum, double lr, double beta1, double beta2, double eps,
        double weightDecay, double warmupRatio, String schedule, double clipNorm, long seed, int evalEvery,
        long maxSteps, boolean groupByLength, double dropout, boolean freezeEmbeddings, int trainTopLayers) {

    public TrainConfig {
        if (trainTopLayers < 0) throw new IllegalArgumentException("--train-top-layers must be >= 0, got " + trainTopLayers);
    }

    public static TrainConfig defaults() {
        return new TrainConfig(1, 8, 1, 3e-5, 0.9, 0.95, 1e-6, 0.0, 0.1, "linear", 1.0, 42, 50, 0, true, 0.0, false, 0);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(epochs, batchPairs, gradAccum, lr, beta1, beta2, eps, weightDecay, warmupRatio,
                schedule, clipNorm, s, evalEvery, maxSteps, groupByLength, dropout, freezeEmbeddings, trainTopLayers);
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchPairs, gradAccum, lr, beta1, beta2, eps, weightDecay, warmupRatio,
                schedule, clipNorm, seed, evalEvery, maxSteps, groupByLength, dropout, freezeEmbeddings, trainTopLayers);
    }

    public TrainConfig withTrainTopLayers(int k) {
        return new TrainConfig(epochs, batchPairs, gradAccum, lr, beta1, beta2, eps, weightDecay, warmupRatio,
                schedule, clipNorm, seed, evalEvery, maxSteps, groupByLength, dropout, freezeEmbeddings, k);
    }

    public TrainConfig withBatchPairs(int b) {
        return new TrainConfig(epochs, b, gradAccum, lr, beta1, beta2, eps, weightDecay, warmupRatio,
                schedule, clipNorm, seed, evalEvery, maxSteps, groupByLength, dropout, freezeEmbeddings, trainTopLayers);
    }

    public TrainConfig withEvalEvery(int n) {
        return new TrainConfig(epochs, batchPairs, gradAccum, lr, beta1, beta2, eps, weightDecay, warmupRatio,
                schedule, clipNorm, seed, n, maxSteps, groupByLength, dropout, freezeEmbeddings, trainTopLayers);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("epochs", epochs);
        o.put("batch_pairs", batchPairs);
        o.put("grad_accum", gradAccum);
        o.put("lr", lr);
        o.put("beta1", beta1);
        o.put("beta2", beta2);
        o.put("eps", eps);
        o.put("weight_decay", weightDecay);
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
        return o;
    }
}
