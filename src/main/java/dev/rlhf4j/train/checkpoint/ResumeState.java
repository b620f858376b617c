package dev.rlhf4j.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.optim.AdamW;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything a killed run needs to continue: the current weights (a full checkpoint), the AdamW
 * moments, and {@code trainer_state.json} (data cursor, step, best so far). The state file is
 * written last; it names the step the other two files hold, and loading checks they agree.
 */
public final class ResumeState {
    public static final String DIR = "resume";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "trainer_state.json";

    private ResumeState() {}

    public static void save(Path dir, RewardModel model, AdamW optimizer, TrainState state, ObjectNode provenance) {
        try {
            Files.createDirectories(dir);
            String step = Long.toString(state.optimizerSteps());
            RewardModels.save(model, dir, provenance);
            Safetensors.write(dir.resolve(OPTIMIZER), optimizer.state(), Map.of("step", step));
            ObjectNode s = state.toJson();
            s.put("adam_steps", optimizer.steps());
            Json.write(dir.resolve(STATE), s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write resume state to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A resume directory as read back: the state, and a hook that restores the optimizer. */
    public record Loaded(TrainState state, long adamSteps, Map<String, HostTensor> optimizerState) {
        public void restore(AdamW optimizer) {
            optimizer.loadState(optimizerState, adamSteps);
        }
    }

    public static boolean exists(Path out) {
        return Files.isRegularFile(out.resolve(DIR).resolve(STATE));
    }

    public static Loaded load(Path out) {
        Path dir = out.resolve(DIR);
        if (!exists(out)) {
            throw new IllegalArgumentException(out + " holds no resume state (" + dir.resolve(STATE) + " is missing)");
        }
        JsonNode s = RewardModels.readJson(dir.resolve(STATE));
        Safetensors.Contents opt = Safetensors.read(dir.resolve(OPTIMIZER));
        TrainState state = TrainState.fromJson(s);
        String optStep = opt.metadata().get("step");
        if (optStep == null || Long.parseLong(optStep) != state.optimizerSteps()) {
            throw new IllegalStateException(dir + ": optimizer state is from step " + optStep + " but trainer_state.json says "
                    + state.optimizerSteps() + " (a save was interrupted); cannot resume consistently");
        }
        return new Loaded(state, s.path("adam_steps").asLong(), opt.tensors());
    }
}
