package dev.rlhf4j.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.train.checkpoint.ResumeState;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.LrSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The loop's non-finite policy on one weight w = 1 with loss (w − 3)²: gradient −4, so AdamW's first step at lr 0.1
 * moves w by lr · m̂ / (√v̂ + ε) = 0.1 · (−4) / (4 + 1e−8) ≈ −0.1, to 1.1.
 */
class LoopTest {

    /** A step whose first {@code nanCalls} forward passes report a NaN loss. */
    private static Loop<Integer> loop(NDArray w, int[] nanCalls) {
        ModelParameters p = new ModelParameters();
        p.add("w", w);
        p.requireGradients(true);
        AdamW opt = new AdamW(w.getManager(), p, 0.9, 0.95, 1e-8, 0);
        Loop.Step<Integer> step = Loop.Step.of(List.of("calls"), batch -> {
            NDArray loss = w.sub(3f).square().sum();
            double v = nanCalls[0]-- > 0 ? Double.NaN : loss.getFloat();
            return new Loop.Micro(loss, v, 1, 1.0);
        });
        return new Loop<>(step, new Loop.Settings(1, 1e9, 5), List.of(new Loop.Group("w", p, opt, LrSchedule.constant(0.1))));
    }

    @Test
    void aNonFiniteLossOnceIsReplayedAndTheUpdateApplied() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f});
            Loop<Integer> loop = loop(w, new int[] {1});
            Loop.Update u = loop.update(List.of(0));
            assertThat(u.replayed()).isTrue();
            assertThat(u.skipped()).isFalse();
            assertThat(u.loss()).isCloseTo(4.0, within(1e-6)); // the replay's loss is the step's
            assertThat(u.gradNorm()).isCloseTo(4.0, within(1e-6));
            assertThat((double) w.getFloat()).isCloseTo(1.1, within(1e-6));
            assertThat(loop.replayedSteps()).isEqualTo(1);
            assertThat(loop.skippedSteps()).isZero();
            assertThat(loop.microSteps()).isEqualTo(1); // the replay repeats micro step 0, it does not add one
        }
    }

    @Test
    void nonFiniteTwiceSkipsTheStepCountsItAndTheNextStepApplies() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f});
            Loop<Integer> loop = loop(w, new int[] {2});
            Loop.Update u = loop.update(List.of(0));
            assertThat(u.skipped()).isTrue();
            assertThat(w.getFloat()).isEqualTo(1f);
            assertThat(w.getGradient().getFloat()).isZero(); // zeroed for the next step
            Loop.Update next = loop.update(List.of(1));
            assertThat(next.skipped()).isFalse();
            assertThat(next.loss()).isCloseTo(4.0, within(1e-6));
            assertThat((double) w.getFloat()).isCloseTo(1.1, within(1e-6));
            assertThat(loop.skippedSteps()).isEqualTo(1);
            assertThat(loop.replayedSteps()).isEqualTo(1);
            assertThat(loop.state(0).skippedSteps()).isEqualTo(1);
        }
    }

    @Test
    void tenSkippedStepsInARowStopTheRun() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f});
            Loop<Integer> loop = loop(w, new int[] {Integer.MAX_VALUE});
            for (int i = 0; i < Loop.MAX_CONSECUTIVE_SKIPS - 1; i++) loop.update(List.of(i));
            assertThatThrownBy(() -> loop.update(List.of(9))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("non-finite for 10 optimizer steps in a row");
        }
    }

    @Test
    void anOldResumeDirectoryIsRefusedWithTheReason(@TempDir Path out) throws Exception {
        Files.createDirectories(out.resolve("resume"));
        ObjectNode old = Json.MAPPER.createObjectNode();
        old.put("step", 9);
        old.put("next_batch", 0);
        Json.write(out.resolve("resume/trainer_state.json"), old);
        assertThat(ResumeState.exists(out)).isTrue();
        assertThatThrownBy(() -> ResumeState.load(out)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resume format 1").hasMessageContaining("earlier rlhf4j")
                .hasMessageContaining("trainer_state.json");
    }
}
