package dev.rlhf4j.rl;

/**
 * Settings of supervised fine-tuning. Defaults suit the small policies a CPU trains from scratch; a pretrained
 * checkpoint wants a learning rate nearer 2e-5.
 *
 * @param epochs          passes over the demonstrations (3)
 * @param batchSize       sequences per optimizer step (16)
 * @param lr              peak learning rate (1e-3)
 * @param warmupRatio     share of steps warming up (0.05)
 * @param schedule        linear, cosine or constant decay after warm-up (cosine)
 * @param clipNorm        global gradient-norm clip, 0 = off (1.0)
 * @param weightDecay     AdamW decoupled weight decay (0.01)
 * @param seed            data order and dropout (42)
 * @param maxLength       tokens per sequence, prompt and response (128)
 * @param maxPromptTokens prompt tokens kept, oldest dropped first (64)
 * @param packing         concatenate examples into rows of {@code maxLength} instead of padding each (false)
 * @param evalEvery       optimizer steps between validations and checkpoints, 0 = at each epoch's end (100)
 */
public record SftConfig(int epochs, int batchSize, double lr, double warmupRatio, String schedule, double clipNorm,
                        double weightDecay, long seed, int maxLength, int maxPromptTokens, boolean packing, int evalEvery) {
    public SftConfig {
        if (epochs < 1 || batchSize < 1) throw new IllegalArgumentException("--epochs and --batch-size must be ≥ 1");
        if (!(lr > 0)) throw new IllegalArgumentException("--lr must be > 0, got " + lr);
        if (maxPromptTokens >= maxLength) {
            throw new IllegalArgumentException("--max-prompt-tokens " + maxPromptTokens + " leaves no room for a response in --max-length " + maxLength);
        }
    }

    public static SftConfig defaults() {
        return new SftConfig(3, 16, 1e-3, 0.05, "cosine", 1.0, 0.01, 42, 128, 64, false, 100);
    }

    public SftConfig withEpochs(int e) {
        return new SftConfig(e, batchSize, lr, warmupRatio, schedule, clipNorm, weightDecay, seed, maxLength, maxPromptTokens, packing, evalEvery);
    }

    public SftConfig withSeed(long s) {
        return new SftConfig(epochs, batchSize, lr, warmupRatio, schedule, clipNorm, weightDecay, s, maxLength, maxPromptTokens, packing, evalEvery);
    }

    public SftConfig withPacking(boolean p) {
        return new SftConfig(epochs, batchSize, lr, warmupRatio, schedule, clipNorm, weightDecay, seed, maxLength, maxPromptTokens, p, evalEvery);
    }
}
