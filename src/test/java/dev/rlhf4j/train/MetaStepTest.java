package dev.rlhf4j.train;

import ai.djl.Device;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MetaStepTest {

    @Test
    void theMetaStepRaisesTheDifferenceLossAndRestoresTheWeights() {
        try (RewardModel rm = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 32, 1)) {
            List<MetaStep.Group> groups = List.of(
                    new MetaStep.Group(List.of(Turn.user("What is 2 + 2?")), List.of("4.", "It is 5.", "Maybe 4?", "Go away.")),
                    new MetaStep.Group(List.of(Turn.user("Capital of France?")), List.of("Paris.", "Rome.", "I think Paris.", "No.")));
            MetaStep step = new MetaStep(0.5, 2, groups, 3);
            step.encode(rm);
            rm.parameters().requireGradients(true);
            Map<String, HostTensor> before = rm.parameters().toHost();
            step.ascend(rm, rm.parameters(), null, 0);
            double j0 = step.lastDifferenceLoss();
            // J lies between σ(0)·(k−1)/k = 0.375 (all rewards equal) and (k−1)/k = 0.75 for k = 4.
            assertThat(j0).isBetween(0.375, 0.75);
            step.ascend(rm, rm.parameters(), null, 0);   // J at θ' (same groups: same micro step), then one more step up
            double j1 = step.lastDifferenceLoss();
            assertThat(j1).isGreaterThan(j0);
            step.restore();                              // undoes the second step
            step.ascend(rm, rm.parameters(), null, 0);   // from θ' again: the same J as at θ'
            assertThat(step.lastDifferenceLoss()).isCloseTo(j1, within(1e-5));
            step.restore();
            // Undo the first step by hand-free means: a fresh step from θ' gives back θ' + η∇J; θ itself is recovered
            // by restore() after each ascend in training. Check restore() is exact on a single ascend from θ.
            Map<String, HostTensor> prime = rm.parameters().toHost();
            step.ascend(rm, rm.parameters(), null, 1);
            step.restore();
            Map<String, HostTensor> back = rm.parameters().toHost();
            for (var e : prime.entrySet()) {
                // max |difference| in one pass: AssertJ's containsExactly with a tolerance is quadratic in the length
                float[] want = e.getValue().data(), got = back.get(e.getKey()).data();
                assertThat(got.length).as(e.getKey()).isEqualTo(want.length);
                double maxDiff = 0;
                for (int i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
                assertThat(maxDiff).as(e.getKey()).isLessThanOrEqualTo(1e-6);
            }
            assertThat(before).isNotEmpty();
        }
    }
}
