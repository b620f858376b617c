package dev.rlhf4j.rl;

import dev.rlhf4j.train.optim.OptimConfig;

/**
 * Settings of supervised fine-tuning; build with {@link #builder()} (defaults in {@link Defaults}, which the CLI's
 * options name too). The defaults suit the small policies a CPU trains from scratch; a pretrained checkpoint wants
 * a learning rate nearer 2e-5.
 *
 * @param epochs          passes over the demonstrations
 * @param batchSize       sequences per optimizer step
 * @param optim           AdamW: peak learning rate, the paper's betas, ε 1e-8, decoupled weight decay
 * @param warmupRatio     share of steps warming up
 * @param schedule        linear, cosine or constant decay after warm-up
 * @param clipNorm        global gradient-norm clip, 0 = off
 * @param seed            data order and dropout
 * @param maxLength       tokens per sequence, prompt and response
 * @param maxPromptTokens prompt tokens kept, oldest dropped first
 * @param packing         concatenate examples into rows of {@code maxLength} instead of padding each
 * @param evalEvery       optimizer steps between validations and checkpoints, 0 = at each epoch's end
 * @param recompute       activation recomputation in the policy (engine.Recompute): less memory, one more forward pass
 */
public record SftConfig(int epochs, int batchSize, OptimConfig optim, double warmupRatio, String schedule, double clipNorm,
                        long seed, int maxLength, int maxPromptTokens, boolean packing, int evalEvery, boolean recompute) {

    /** The defaults, as text so that picocli's {@code defaultValue}s name the same constants. */
    public static final class Defaults {
        public static final String EPOCHS = "3", BATCH_SIZE = "16", LR = "1e-3", WARMUP_RATIO = "0.05",
                SCHEDULE = "cosine", CLIP_NORM = "1.0", SEED = dev.rlhf4j.train.TrainConfig.Defaults.SEED, MAX_LENGTH = "128",
                MAX_PROMPT_TOKENS = "64", EVAL_EVERY = "100";

        private Defaults() {}
    }

    public SftConfig {
        if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("--epochs and --batch-size must be ≥ 1");
        if (!(optim.lr() > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + optim.lr());
        if (maxPromptTokens >= maxLength) {
            throw new IllegalArgumentException("--max-prompt-tokens " + maxPromptTokens + " leaves no room for a response in --max-length " + maxLength);
        }
    }

    public static SftConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().epochs(epochs).batchSize(batchSize).optim(optim).warmupRatio(warmupRatio).schedule(schedule)
                .clipNorm(clipNorm).seed(seed).maxLength(maxLength).maxPromptTokens(maxPromptTokens).packing(packing)
                .evalEvery(evalEvery).recompute(recompute);
    }

    /** Named setters over {@link Defaults}. */
    public static final class Builder {
        private int epochs = Integer.parseInt(Defaults.EPOCHS), batchSize = Integer.parseInt(Defaults.BATCH_SIZE),
                maxLength = Integer.parseInt(Defaults.MAX_LENGTH), maxPromptTokens = Integer.parseInt(Defaults.MAX_PROMPT_TOKENS),
                evalEvery = Integer.parseInt(Defaults.EVAL_EVERY);
        private OptimConfig optim = OptimConfig.adamW(Double.parseDouble(Defaults.LR), OptimConfig.EPS_POLICY)
                .withWeightDecay(OptimConfig.WEIGHT_DECAY_SFT);
        private double warmupRatio = Double.parseDouble(Defaults.WARMUP_RATIO), clipNorm = Double.parseDouble(Defaults.CLIP_NORM);
        private String schedule = Defaults.SCHEDULE;
        private long seed = Long.parseLong(Defaults.SEED);
        private boolean packing, recompute;

        private Builder() {}

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder optim(OptimConfig v) { optim = v; return this; }
        public Builder lr(double v) { optim = optim.withLr(v); return this; }
        public Builder weightDecay(double v) { optim = optim.withWeightDecay(v); return this; }
        public Builder warmupRatio(double v) { warmupRatio = v; return this; }
        public Builder schedule(String v) { schedule = v; return this; }
        public Builder clipNorm(double v) { clipNorm = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder maxLength(int v) { maxLength = v; return this; }
        public Builder maxPromptTokens(int v) { maxPromptTokens = v; return this; }
        public Builder packing(boolean v) { packing = v; return this; }
        public Builder evalEvery(int v) { evalEvery = v; return this; }
        public Builder recompute(boolean v) { recompute = v; return this; }

        public SftConfig build() {
            return new SftConfig(epochs, batchSize, optim, warmupRatio, schedule, clipNorm, seed, maxLength, maxPromptTokens,
                    packing, evalEvery, recompute);
        }
    }
}
