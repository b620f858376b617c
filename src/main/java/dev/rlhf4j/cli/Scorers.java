package dev.rlhf4j.cli;

import ai.djl.Device;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.rl.GoldRewardFunction;
import dev.rlhf4j.rl.HttpRewardFunction;
import dev.rlhf4j.rl.RewardFunction;
import dev.rlhf4j.rl.RewardModelFunction;

import java.nio.file.Path;

/** What a {@code --reward-model} value names: {@code gold}, a reward server's URL, or a reward-model directory of any backbone. */
final class Scorers {
    private Scorers() {}

    static RewardFunction open(String spec, Device device, String apiKeyEnv) {
        if (spec.equals("gold")) return new GoldRewardFunction();
        if (spec.startsWith("http://") || spec.startsWith("https://")) {
            String key = apiKeyEnv == null ? null : System.getenv(apiKeyEnv);
            if (apiKeyEnv != null && key == null) throw new IllegalArgumentException("--api-key-env " + apiKeyEnv + " is not set");
            return new HttpRewardFunction(spec, key);
        }
        return new RewardModelFunction(RewardModels.load(Path.of(spec), device), spec, 64, true);
    }
}
