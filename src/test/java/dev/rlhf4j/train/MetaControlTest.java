package dev.rlhf4j.train;

import ai.djl.Device;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.train.loss.BradleyTerryLoss;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** MetaRM's η = 0 control is training without the meta step, bit for bit; the ascent's measurements are what they say. */
class MetaControlTest {
    static final ModelSpec TINY = new ModelSpec(RewardModels.TINY_RANDOM, Pooling.CLS, 32, Device.cpu());
    static final List<MetaStep.Group> GROUPS = List.of(
            new MetaStep.Group(List.of(Turn.user("What is 2 + 2?")), List.of("4.", "It is 5.", "Maybe 4?", "Go away.")),
            new MetaStep.Group(List.of(Turn.user("Capital of France?")), List.of("Paris.", "Rome.", "I think Paris.", "No.")));

    /** Trains 6 steps (top layer and head, over the lower-layer cache) with the given meta step (null: none). */
    private static Map<String, HostTensor> train(MetaStep meta, List<Map<String, Double>> stats) {
        List<PreferencePair> pairs = TrainingTest.pairs(48, 1);
        TrainConfig cfg = TrainConfig.builder().epochs(1).batchPairs(8).lr(3e-3).seed(7).maxSteps(6).evalEvery(0).dropout(0.0)
                .trainTopLayers(1).build();
        TrainListener l = new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                stats.add(s.stats());
            }
        };
        try (RewardModel rm = TINY.create(7)) {
            RewardTrainer t = new RewardTrainer(rm, cfg, new BradleyTerryLoss(), 1.0, List.of(l));
            if (meta != null) t.withMetaStep(meta);
            t.fit(pairs, List.of(), null);
            return rm.parameters().toHost();
        }
    }

    @Test
    @Tag("slow") // three short trainings
    void etaZeroGivesTheWeightsOfTrainingWithoutTheMetaStep() {
        List<Map<String, Double>> plainStats = new ArrayList<>(), zeroStats = new ArrayList<>(), upStats = new ArrayList<>();
        Map<String, HostTensor> plain = train(null, plainStats);
        Map<String, HostTensor> zero = train(new MetaStep(0.0, 0.0, 2, GROUPS, 3), zeroStats);
        Map<String, HostTensor> up = train(new MetaStep(0.5, 0.0, 2, GROUPS, 3), upStats);
        assertThat(zero.keySet()).isEqualTo(plain.keySet());
        boolean anyDiffers = false;
        for (String k : plain.keySet()) {
            assertThat(zero.get(k).data()).as(k).containsExactly(plain.get(k).data());
            anyDiffers |= !java.util.Arrays.equals(up.get(k).data(), plain.get(k).data());
        }
        assertThat(anyDiffers).as("η = 0.5 moves the weights elsewhere").isTrue();
        assertThat(plainStats).hasSize(6).allSatisfy(s -> assertThat(s).doesNotContainKey("meta_j_before"));
        assertThat(zeroStats).hasSize(6);
        for (Map<String, Double> s : zeroStats) {
            // no ascent: θ' = θ, so J is the same before and after and the step has norm 0
            assertThat(s.get("meta_j_after")).isEqualTo(s.get("meta_j_before"));
            assertThat(s.get("meta_ascent_norm")).isZero();
            assertThat(s.get("meta_ascent_to_adamw")).isZero();
            assertThat(s.get("meta_adamw_step_norm")).isPositive();
        }
        for (Map<String, Double> s : upStats) {
            assertThat(s.get("meta_j_after")).isGreaterThan(s.get("meta_j_before"));
            assertThat(s.get("meta_scale")).isEqualTo(0.5);
            assertThat(s.get("meta_ascent_norm")).isCloseTo(0.5 * s.get("meta_grad_norm"), within(1e-12));
            assertThat(s.get("meta_ascent_to_weight")).isCloseTo(s.get("meta_ascent_norm") / s.get("meta_weight_norm"), within(1e-15));
            assertThat(s.get("meta_ascent_to_adamw")).isCloseTo(s.get("meta_ascent_norm") / s.get("meta_adamw_step_norm"), within(1e-12));
        }
        // The first step of both runs starts from the same θ: the same J before the ascent.
        assertThat(upStats.get(0).get("meta_j_before")).isEqualTo(zeroStats.get(0).get("meta_j_before"));
    }

    @Test
    void theNormalisedAscentMovesTheWeightsByRTimesTheirNorm() {
        try (RewardModel rm = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 32, 1)) {
            MetaStep step = new MetaStep(123.0, 1e-3, 2, GROUPS, 3);   // η is unused when R > 0
            step.encode(rm);
            rm.parameters().requireGradients(true);
            Map<String, HostTensor> before = rm.parameters().toHost();
            step.ascend(rm, rm.parameters(), null, 0);
            Map<String, HostTensor> moved = rm.parameters().toHost();
            double d2 = 0, w2 = 0;
            for (String k : before.keySet()) {
                float[] a = before.get(k).data(), b = moved.get(k).data();
                for (int i = 0; i < a.length; i++) {
                    d2 += ((double) b[i] - a[i]) * ((double) b[i] - a[i]);
                    w2 += (double) a[i] * a[i];
                }
            }
            MetaStep.Stats s = step.lastStats();
            assertThat(s.weightNorm()).isCloseTo(Math.sqrt(w2), within(1e-9 * Math.sqrt(w2)));
            assertThat(s.ascentNorm()).isCloseTo(1e-3 * s.weightNorm(), within(1e-12 * s.weightNorm()));
            // the step actually taken, through float rounding of θ + Δθ
            assertThat(Math.sqrt(d2)).isCloseTo(s.ascentNorm(), within(0.02 * s.ascentNorm()));
            assertThat(s.jAfter()).isGreaterThan(s.jBefore());
            step.restore();
            assertThat(Double.isNaN(s.optimizerStepNorm())).isTrue();
        }
    }
}
