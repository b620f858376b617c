package dev.rlhf4j.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A shared stage's process records the arguments of the experiment that started it. */
class ExperimentStageArgsTest {
    @Test
    void onlyStageAndItsValueAreDroppedFromTheRecordedArguments() {
        assertThat(ExperimentCommand.withoutOnlyStage(List.of("experiment", "--out", "x", "--parallel", "2", "--only-stage", "contrastive:swav-pairs")))
                .containsExactly("experiment", "--out", "x", "--parallel", "2");
        assertThat(ExperimentCommand.withoutOnlyStage(List.of("--only-stage=sft", "--seeds", "3"))).containsExactly("--seeds", "3");
        assertThat(ExperimentCommand.withoutOnlyStage(List.of("--seeds", "3"))).containsExactly("--seeds", "3");
    }

    @Test
    void theExperimentTrainsOnlyTheFlipMarginVariantBesideTheBaseline() {
        assertThat(ExperimentCommand.RM_VARIANTS).containsExactly("flip+margin");
    }
}
