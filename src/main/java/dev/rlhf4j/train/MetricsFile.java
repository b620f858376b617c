package dev.rlhf4j.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.model.RewardModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Appends one JSON line per optimizer step ({@code "type":"train"}) and per validation ({@code "type":"eval"}). */
public final class MetricsFile implements TrainListener {
    private final Path file;

    public MetricsFile(Path file) {
        this.file = file;
    }

    @Override
    public void onStart(long totalSteps, TrainState state) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", state.optimizerSteps() > 0 ? "resume" : "start");
        o.put("step", state.optimizerSteps());
        o.put("total_steps", totalSteps);
        append(o);
    }

    @Override
    public void onStep(StepStats s) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("type", "train");
        o.put("step", s.step());
        o.put("epoch", s.epoch());
        o.put("loss", s.loss());
        if (!Double.isNaN(s.contrastiveLoss())) {
            o.put("reward_loss", s.loss());
            o.put("contrastive_loss", s.contrastiveLoss());
        }
        o.put("accuracy", s.accuracy());
        o.put("lr", s.lr());
        o.put("grad_norm", Double.isFinite(s.gradNorm()) ? s.gradNorm() : -1);
        o.put("skipped", s.skipped());
        o.put("tokens", s.tokens());
        o.put("step_seconds", s.stepSeconds());
        append(o);
    }

    @Override
    public void onEval(long step, PairMetrics metrics, boolean best, RewardModel model) {
        ObjectNode o = metrics.toJson();
        o.put("type", "eval");
        o.put("step", step);
        o.put("best", best);
        append(o);
    }

    private void append(ObjectNode o) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, Json.MAPPER.writeValueAsString(o) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
