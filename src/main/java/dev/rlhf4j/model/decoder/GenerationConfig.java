package dev.rlhf4j.model.decoder;

import java.util.List;

/**
 * How {@link Generator} picks tokens. Logits pass through the repetition penalty, then temperature,
 * top-k and top-p (the order transformers applies them); greedy takes the arg-max after the penalty.
 *
 * @param maxNewTokens      tokens generated at most per prompt
 * @param greedy            arg-max decoding (temperature, top-k and top-p are then ignored)
 * @param temperature       divides the logits before sampling (&gt; 0)
 * @param topK              keep the k most likely tokens (0 keeps all)
 * @param topP              keep the smallest set of tokens whose probability reaches p (1 keeps all)
 * @param repetitionPenalty CTRL's penalty on tokens already in the sequence (1 = none)
 * @param stopStrings       a continuation ends where one of these appears (the string itself is cut off)
 * @param stopAtEos         stop a sequence at the model's EOS ids
 * @param useCache          keep keys and values between steps (false recomputes the whole sequence each step)
 * @param seed              seed of the sampler: the same seed gives the same samples
 */
public record GenerationConfig(int maxNewTokens, boolean greedy, double temperature, int topK, double topP,
                               double repetitionPenalty, List<String> stopStrings, boolean stopAtEos,
                               boolean useCache, long seed) {
    public GenerationConfig {
        stopStrings = List.copyOf(stopStrings);
        if (maxNewTokens < 0) throw new IllegalArgumentException("max new tokens must be ≥ 0, got " + maxNewTokens);
        if (!greedy && !(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be ≥ 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("a stop string is empty");
    }

    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, true, 1.0, 0, 1.0, 1.0, List.of(), true, true, 0);
    }

    /** The paper's PPO sampling: temperature 0.8, top-p 0.9, repetition penalty 1.1. */
    public static GenerationConfig sampling(int maxNewTokens, long seed) {
        return new GenerationConfig(maxNewTokens, false, 0.8, 0, 0.9, 1.1, List.of(), true, true, seed);
    }

    public GenerationConfig withCache(boolean on) {
        return new GenerationConfig(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, stopStrings,
                stopAtEos, on, seed);
    }

    public GenerationConfig withStopAtEos(boolean on) {
        return new GenerationConfig(maxNewTokens, greedy, temperature, topK, topP, repetitionPenalty, stopStrings,
                on, useCache, seed);
    }
}
