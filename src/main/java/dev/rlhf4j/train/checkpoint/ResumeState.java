package dev.rlhf4j.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.train.TrainState;
import dev.rlhf4j.train.optim.AdamW;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything a killed run needs to continue, in {@code OUT/resume/}, for every trainer (reward models, MetaRM, SFT,
 * PPO): the models (written by the trainer's {@link ModelSaver}), each named optimizer's AdamW moments
 * ({@code optimizer_NAME.safetensors}), and {@code trainer_state.json}: the {@link TrainState} record, the
 * optimizers' step counts and the trainer's own extra values. The state file is written last and names the step
 * the optimizer files hold; loading checks they agree, so a half-written save is detected.
 *
 * <p>Format 2. Resume directories of earlier versions (a {@code trainer_state.json} without {@code format}) are
 * refused with a message saying so.
 */
public final class ResumeState {
    public static final String DIR = "resume";
    static final String STATE = "trainer_state.json";
    static final int FORMAT = 2;

    private ResumeState() {}

    /** Writes a trainer's models into a directory. */
    @FunctionalInterface
    public interface ModelSaver {
        void save(Path dir);
    }

    /** Saves into {@code out/resume/}; {@code extra} (may be null) holds what only this trainer needs. */
    public static void save(Path out, ModelSaver models, Map<String, AdamW> optimizers, TrainState state, ObjectNode extra) {
        Path dir = out.resolve(DIR);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write resume state to " + dir + ": " + e.getMessage(), e);
        }
        models.save(dir);
        String step = Long.toString(state.optimizerSteps());
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("format", FORMAT);
        s.set("state", state.toJson());
        ObjectNode opts = s.putObject("optimizers");
        for (Map.Entry<String, AdamW> e : optimizers.entrySet()) {
            Safetensors.write(dir.resolve(file(e.getKey())), e.getValue().state(), Map.of("step", step));
            opts.put(e.getKey(), e.getValue().steps());
        }
        if (extra != null) s.set("extra", extra);
        Json.write(dir.resolve(STATE), s);
    }

    private static String file(String optimizer) {
        return "optimizer_" + optimizer + ".safetensors";
    }

    /**
     * A resume directory as read back.
     *
     * @param adamSteps each optimizer's update count (AdamW's bias correction)
     * @param extra     the trainer's extra values (an empty object when none were saved)
     */
    public record Loaded(Path dir, TrainState state, Map<String, Long> adamSteps, JsonNode extra) {
        /** Loads the moments of optimizer {@code name} into {@code optimizer}. */
        public void restore(String name, AdamW optimizer) {
            Long steps = adamSteps.get(name);
            Path f = dir.resolve(file(name));
            if (steps == null) throw new IllegalArgumentException(dir.resolve(STATE) + " lists no optimizer '" + name + "'");
            Safetensors.Contents c = Safetensors.read(f);
            String step = c.metadata().get("step");
            if (step == null || Long.parseLong(step) != state.optimizerSteps()) {
                throw new IllegalStateException(f + " is from step " + step + " but " + STATE + " says "
                        + state.optimizerSteps() + " (a save was interrupted); cannot resume consistently");
            }
            optimizer.loadState(c.tensors(), steps);
        }
    }

    /** Whether {@code out} holds a resume directory (of any format). */
    public static boolean exists(Path out) {
        return Files.isRegularFile(out.resolve(DIR).resolve(STATE));
    }

    public static Loaded load(Path out) {
        Path dir = out.resolve(DIR);
        if (!exists(out)) {
            throw new IllegalArgumentException(out + " holds no resume state (" + dir.resolve(STATE) + " is missing)");
        }
        JsonNode s = Json.read(dir.resolve(STATE));
        if (s.path("format").asInt(1) != FORMAT) {
            throw new IllegalArgumentException(dir.resolve(STATE) + ": resume format " + s.path("format").asInt(1)
                    + ", written by an earlier rlhf4j; this version reads format " + FORMAT + " only. Start the run again "
                    + "without --resume (or finish it with the version that started it).");
        }
        Map<String, Long> steps = new LinkedHashMap<>();
        s.path("optimizers").fields().forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asLong()));
        JsonNode extra = s.has("extra") ? s.get("extra") : Json.MAPPER.createObjectNode();
        return new Loaded(dir, TrainState.fromJson(s.path("state")), steps, extra);
    }
}
