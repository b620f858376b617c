package dev.rlhf4j.cli;

import dev.rlhf4j.train.TrainConfig;
import dev.rlhf4j.train.TrainConfig.Defaults;
import dev.rlhf4j.train.loss.PairwiseLoss;
import picocli.CommandLine.Option;

/** Optimisation settings of reward-model training (defaults: {@link TrainConfig.Defaults}). */
public final class TrainOptions {

    @Option(names = "--epochs", defaultValue = Defaults.EPOCHS, description = "Passes over the training pairs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = Defaults.BATCH_PAIRS, description = "Pairs per micro-batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--grad-accum", defaultValue = Defaults.GRAD_ACCUM, description = "Micro-batches per optimizer step (default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(names = "--lr", defaultValue = Defaults.LR, description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @picocli.CommandLine.Mixin OptimizerOptions optimizer = OptimizerOptions.rewardModel();

    @Option(names = "--warmup-ratio", defaultValue = Defaults.WARMUP_RATIO, description = "Fraction of steps warming up (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--schedule", defaultValue = Defaults.SCHEDULE, description = "Decay after warmup: linear, cosine or constant (default: ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--clip", defaultValue = Defaults.CLIP_NORM, description = "Global gradient-norm clip, 0 = off (default: ${DEFAULT-VALUE}).")
    double clip;

    @picocli.CommandLine.Mixin SeedOption seed;

    @Option(names = "--eval-every", defaultValue = Defaults.EVAL_EVERY,
            description = "Optimizer steps between validations and resume checkpoints; 0 = once per epoch (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--max-steps", defaultValue = Defaults.MAX_STEPS, description = "Stop after this many optimizer steps, 0 = no limit (default: ${DEFAULT-VALUE}).")
    long maxSteps;

    @Option(names = "--no-group-by-length", negatable = false, defaultValue = "false",
            description = "Shuffle fully instead of batching pairs of similar length (default: grouped).")
    boolean noGrouping;

    @Option(names = "--dropout", defaultValue = Defaults.DROPOUT, description = "Backbone dropout while training; negative = the backbone's own (0.1 for the presets); 0 turns it off, as TRL does for reward models (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--freeze-embeddings", defaultValue = "false", description = "Keep the token-embedding table fixed: faster steps (default: ${DEFAULT-VALUE}).")
    boolean freezeEmbeddings;

    @Option(names = "--train-top-layers", defaultValue = Defaults.TRAIN_TOP_LAYERS,
            description = "Train only the top K backbone layers and the head; the layers below are run once over the "
                    + "data and cached, so an epoch costs about K/L of a full one. 0 trains every weight (default: ${DEFAULT-VALUE}).")
    int trainTopLayers;

    @picocli.CommandLine.Mixin RecomputeOption recompute;

    @Option(names = "--loss", defaultValue = "bt",
            description = "Pairwise loss: bt (Bradley–Terry), margin (−log σ(Δ − m)), smooth (label smoothing), "
                    + "smooth+margin (default: ${DEFAULT-VALUE}). margin losses read each pair's 'margin' field.")
    String loss;

    @Option(names = "--label-smoothing", defaultValue = "0.1",
            description = "α for smooth losses where a pair carries no 'label_smoothing' field (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--center-rewards", defaultValue = "0",
            description = "Add TRL's reward-centring term C · mean((r_c + r_r)²) to the pairwise loss (TRL's "
                    + "center_rewards_coefficient; 0.01 is its suggested value; default: ${DEFAULT-VALUE}, off).")
    double centerRewards;

    @Option(names = "--margin-scale", defaultValue = "1.0", description = "Multiplies each pair's margin (default: ${DEFAULT-VALUE}).")
    double marginScale;

    public TrainConfig config() {
        return TrainConfig.builder().epochs(epochs).batchPairs(batchSize).gradAccum(gradAccum)
                .optim(optimizer.config(lr)).warmupRatio(warmup).schedule(schedule)
                .clipNorm(clip).seed(seed.get()).evalEvery(evalEvery).maxSteps(maxSteps).groupByLength(!noGrouping)
                .dropout(dropout).freezeEmbeddings(freezeEmbeddings).trainTopLayers(trainTopLayers)
                .recompute(recompute.get()).build();
    }

    public PairwiseLoss lossFunction() {
        return dev.rlhf4j.train.loss.CenteredRewardsLoss.of(PairwiseLoss.byName(loss, labelSmoothing), centerRewards);
    }
}
