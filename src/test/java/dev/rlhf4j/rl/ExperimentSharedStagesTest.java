package dev.rlhf4j.rl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plan of the shared stages that run side by side, and the runner that runs them a given number at a time. */
class ExperimentSharedStagesTest {
    static final ExperimentArms.Settings ARMS = new ExperimentArms.Settings(true, List.of("simcse-pairs", "swav-difference"), true, null);

    static void touch(Path f) throws Exception {
        Files.createDirectories(f.getParent());
        Files.writeString(f, "{}");
    }

    @Test
    void aFreshDirectoryPlansTheRewardModelsBesideSftThenBestOfNBesideEachContrastiveCandidate(@TempDir Path out) {
        assertThat(Experiment.sharedPlan(out, ARMS, 2)).containsExactly(List.of("rms", "sft"),
                List.of("bon", "contrastive:simcse-pairs", "contrastive:swav-difference"));
        ExperimentArms.Settings none = new ExperimentArms.Settings(false, List.of("simcse-pairs"), true, null);
        assertThat(Experiment.sharedPlan(out, none, 2)).containsExactly(List.of("rms", "sft"), List.of("bon"));
    }

    @Test
    void contrastiveCandidatesGoIntoParallelGroupsRoundRobin(@TempDir Path out) {
        ExperimentArms.Settings four = new ExperimentArms.Settings(true, List.of("simcse-pairs", "simcse-difference", "swav-pairs", "swav-difference"),
                false, null);
        assertThat(Experiment.sharedPlan(out, four, 2).get(1)).containsExactly("bon", "contrastive:simcse-pairs,swav-pairs",
                "contrastive:simcse-difference,swav-difference");
        assertThat(Experiment.sharedPlan(out, four, 3).get(1)).containsExactly("bon", "contrastive:simcse-pairs,swav-difference",
                "contrastive:simcse-difference", "contrastive:swav-pairs");
        assertThat(Experiment.sharedPlan(out, four, 1).get(1)).containsExactly("bon", "contrastive:simcse-pairs,simcse-difference,swav-pairs,swav-difference");
        assertThat(Experiment.sharedPlan(out, ARMS, 8).get(1)).containsExactly("bon", "contrastive:simcse-pairs", "contrastive:swav-difference");
    }

    @Test
    void stagesWhoseOutputExistsAreLeftOut(@TempDir Path out) throws Exception {
        touch(out.resolve("rms").resolve(Experiment.RM_DONE));
        touch(out.resolve("rms").resolve(ContrastiveArm.DIR).resolve("simcse-pairs").resolve("row.json"));
        assertThat(Experiment.sharedPlan(out, ARMS, 2)).containsExactly(List.of("sft"), List.of("bon", "contrastive:swav-difference"));
        touch(out.resolve("sft").resolve("config.json"));
        touch(out.resolve("bon").resolve("bon.json"));
        assertThat(Experiment.sharedPlan(out, ARMS, 2)).containsExactly(List.of("contrastive:swav-difference"));
        // Once the choice is written the candidates are done, whatever rows are there.
        touch(out.resolve("rms").resolve(ContrastiveArm.DIR).resolve(ContrastiveArm.CHOICE));
        assertThat(Experiment.sharedPlan(out, ARMS, 2)).isEmpty();
    }

    @Test
    void sideBySideRunsEveryStageAtMostParallelAtATime() {
        AtomicInteger running = new AtomicInteger(), most = new AtomicInteger();
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch bothStarted = new CountDownLatch(2);
        Experiment.sideBySide(List.of("a", "b", "c", "d", "e"), 2, s -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            bothStarted.countDown();
            // The first two wait for each other, so two at a time is observed, not assumed.
            bothStarted.await(30, TimeUnit.SECONDS);
            ran.add(s);
            running.decrementAndGet();
        });
        assertThat(ran).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
        assertThat(most.get()).isEqualTo(2);
        AtomicInteger one = new AtomicInteger(), mostOne = new AtomicInteger();
        Experiment.sideBySide(List.of("a", "b", "c"), 1, s -> {
            mostOne.accumulateAndGet(one.incrementAndGet(), Math::max);
            one.decrementAndGet();
        });
        assertThat(mostOne.get()).isEqualTo(1);
    }

    @Test
    void aFailedStageFailsTheRunAfterTheOthersEnded() {
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        assertThatThrownBy(() -> Experiment.sideBySide(List.of("rms", "sft", "bon"), 2, s -> {
            if (s.equals("sft")) throw new IllegalStateException("sft: its process exited with 1");
            ran.add(s);
        })).hasMessageContaining("sft: its process exited with 1");
        assertThat(ran).containsExactlyInAnyOrder("rms", "bon");
    }

    @Test
    void aStageOutsideThePlanIsRefused(@TempDir Path out) {
        assertThatThrownBy(() -> Experiment.runSharedStage(null, out, "ppo", null, null, null, null))
                .hasMessageContaining("unknown shared stage ppo");
    }
}
