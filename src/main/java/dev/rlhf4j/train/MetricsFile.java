package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The one writer of {@code metrics.jsonl}: one JSON object per line, each with a {@code "type"}:
 * <ul>
 * <li>{@code start} / {@code resume}: {@code step} (where the run starts), {@code total_steps};</li>
 * <li>{@code train}: one optimizer step: {@code step, epoch, loss}, the trainer's own values (reward models:
 *     {@code accuracy}, with contrastive learning {@code reward_loss, contrastive_loss}, with MetaRM's meta step the
 *     {@code meta_*} fields of {@link MetaStep.Stats#fields()}), {@code lr, grad_norm}
 *     (−1 when non-finite), {@code skipped, replayed, tokens, step_seconds};</li>
 * <li>{@code eval}: a validation at {@code step} (reward models: {@link dev.rlhf4j.eval.PairMetrics}' fields and
 *     {@code best}; SFT: {@code valid_ppl});</li>
 * <li>{@code ppo}: one PPO iteration (see {@code rl.PpoTrainer}).</li>
 * </ul>
 * {@link dev.rlhf4j.report.RunFiles} reads a file by these types.
 */
public final class MetricsFile implements TrainListener {
    public static final String NAME = "metrics.jsonl";
    public static final String START = "start", RESUME = "resume", TRAIN = "train", EVAL = "eval", PPO = "ppo";
    private final Path file;

    /** Appends to {@code file} (a restarted run is told apart by its {@code start} record). */
    public MetricsFile(Path file) {
        this.file = file;
    }

    /** Starts {@code file} afresh unless {@code resume} (then appends). */
    public static MetricsFile open(Path file, boolean resume) {
        if (!resume) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot replace " + file + ": " + e.getMessage(), e);
            }
        }
        return new MetricsFile(file);
    }

    @Override
    public void onStart(long totalSteps, TrainState state) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("step", state.optimizerSteps());
        o.put("total_steps", totalSteps);
        record(state.optimizerSteps() > 0 ? RESUME : START, o);
    }

    @Override
    public void onStep(StepStats s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("step", s.step());
        o.put("epoch", s.epoch());
        o.put("loss", s.loss());
        for (Map.Entry<String, Double> e : s.stats().entrySet()) o.put(e.getKey(), e.getValue());
        o.put("lr", s.lr());
        o.put("grad_norm", Double.isFinite(s.gradNorm()) ? s.gradNorm() : -1);
        o.put("skipped", s.skipped());
        o.put("replayed", s.replayed());
        o.put("tokens", s.tokens());
        o.put("step_seconds", s.stepSeconds());
        record(TRAIN, o);
    }

    @Override
    public void onEval(long step, Evaluation e) {
        ObjectNode o = e.metrics().deepCopy();
        o.put("step", step);
        o.put("best", e.best());
        record(EVAL, o);
    }

    /** Appends one record of {@code type} (its fields after the type). */
    public void record(String type, ObjectNode fields) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", type);
        o.setAll(fields);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, Json.MAPPER.writeValueAsString(o) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
