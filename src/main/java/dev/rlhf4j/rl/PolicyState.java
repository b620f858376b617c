package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.train.optim.AdamW;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The resume state of an RL-side trainer besides its models: optimizer moments (one safetensors file per
 * optimizer) and a JSON of counters, written after the models so a half-written save is detected by the step
 * recorded in both.
 */
final class PolicyState {
    private PolicyState() {}

    static final String STATE = "trainer_state.json";

    static void saveOptimizer(Path dir, String name, AdamW opt, long step) {
        Safetensors.write(dir.resolve(name + ".safetensors"), opt.state(), Map.of("step", Long.toString(step),
                "adam_steps", Long.toString(opt.steps())));
    }

    static void loadOptimizer(Path dir, String name, AdamW opt, long step) {
        Safetensors.Contents c = Safetensors.read(dir.resolve(name + ".safetensors"));
        String s = c.metadata().get("step");
        if (s == null || Long.parseLong(s) != step) {
            throw new IllegalStateException(dir + ": " + name + " is from step " + s + " but " + STATE + " says " + step
                    + " (a save was interrupted); cannot resume consistently");
        }
        Map<String, HostTensor> t = c.tensors();
        opt.loadState(t, Long.parseLong(c.metadata().get("adam_steps")));
    }

    static void saveState(Path dir, ObjectNode state) {
        Json.write(dir.resolve(STATE), state);
    }

    static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(STATE));
    }

    static JsonNode loadState(Path dir) {
        if (!exists(dir)) throw new IllegalArgumentException(dir + " holds no resume state (" + dir.resolve(STATE) + " is missing)");
        return RewardModels.readJson(dir.resolve(STATE));
    }
}
