package dev.rlhf4j.rl;

import dev.rlhf4j.train.optim.OptimConfig;

/**
 * Settings of direct preference optimisation; build with {@link #builder()} (defaults in {@link Defaults}, which the
 * CLI's options name too). The defaults suit the small policies a CPU trains from scratch with {@code sft}.
 *
 * @param loss            the loss ({@link DpoLoss}: dpo covers cDPO and ODPO through per-pair ε and Δ)
 * @param epochs          passes over the pairs
 * @param batchSize       pairs per optimizer step
 * @param optim           AdamW: peak learning rate, the paper's betas, ε 1e-8, decoupled weight decay
 * @param warmupRatio     share of steps warming up
 * @param schedule        linear, cosine or constant decay after warm-up
 * @param clipNorm        global gradient-norm clip, 0 = off
 * @param seed            data order and dropout
 * @param maxLength       tokens per sequence, prompt and response
 * @param maxPromptTokens prompt tokens kept, oldest dropped first
 * @param evalEvery       optimizer steps between validations and checkpoints, 0 = at each epoch's end
 */
public record DpoConfig(DpoLoss loss, int epochs, int batchSize, OptimConfig optim, double warmupRatio, String schedule,
                        double clipNorm, long seed, int maxLength, int maxPromptTokens, int evalEvery) {

    /** The defaults, as text so that picocli's {@code defaultValue}s name the same constants. */
    public static final class Defaults {
        public static final String LOSS = "dpo", BETA = "0.1", EPOCHS = "1", BATCH_SIZE = "16", LR = "1e-4",
                WARMUP_RATIO = "0.1", SCHEDULE = "cosine", CLIP_NORM = "1.0", WEIGHT_DECAY = "0.0",
                SEED = dev.rlhf4j.train.TrainConfig.Defaults.SEED, MAX_LENGTH = SftConfig.Defaults.MAX_LENGTH,
                MAX_PROMPT_TOKENS = SftConfig.Defaults.MAX_PROMPT_TOKENS, EVAL_EVERY = "50";

        private Defaults() {}
    }

    public DpoConfig {
        if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("--epochs and --batch-size must be ≥ 1");
        if (!(optim.lr() > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + optim.lr());
        if (maxPromptTokens >= maxLength) {
            throw new IllegalArgumentException("--max-prompt-tokens " + maxPromptTokens + " leaves no room for a response in --max-length " + maxLength);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Named setters over {@link Defaults}. */
    public static final class Builder {
        private DpoLoss loss = new DpoLoss(DpoLoss.kind(Defaults.LOSS), Double.parseDouble(Defaults.BETA));
        private int epochs = Integer.parseInt(Defaults.EPOCHS), batchSize = Integer.parseInt(Defaults.BATCH_SIZE),
                maxLength = Integer.parseInt(Defaults.MAX_LENGTH), maxPromptTokens = Integer.parseInt(Defaults.MAX_PROMPT_TOKENS),
                evalEvery = Integer.parseInt(Defaults.EVAL_EVERY);
        private OptimConfig optim = OptimConfig.adamW(Double.parseDouble(Defaults.LR), OptimConfig.EPS_POLICY)
                .withWeightDecay(Double.parseDouble(Defaults.WEIGHT_DECAY));
        private double warmupRatio = Double.parseDouble(Defaults.WARMUP_RATIO), clipNorm = Double.parseDouble(Defaults.CLIP_NORM);
        private String schedule = Defaults.SCHEDULE;
        private long seed = Long.parseLong(Defaults.SEED);

        private Builder() {}

        public Builder loss(DpoLoss v) { loss = v; return this; }
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
        public Builder evalEvery(int v) { evalEvery = v; return this; }

        public DpoConfig build() {
            return new DpoConfig(loss, epochs, batchSize, optim, warmupRatio, schedule, clipNorm, seed, maxLength,
                    maxPromptTokens, evalEvery);
        }
    }
}
