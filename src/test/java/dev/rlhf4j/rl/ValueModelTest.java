package dev.rlhf4j.rl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.synth.RlSets;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where PPO's critic starts: a decoder reward model of the actor's architecture, else the actor. */
class ValueModelTest {
    static final Policies.Shape TINY = new Policies.Shape(1, 32, 2, 2, 64, 128, null);

    @Test
    void criticTakesTheWeightsOfADecoderRewardModelOfTheActorsShape() {
        List<Demonstrations.Example> demos = new ArrayList<>();
        for (RlSets.Demonstration d : RlSets.generate(10, 2, 40, 5).sft()) {
            demos.add(new Demonstrations.Example(d.id(), d.prompt(), d.response(), Json.MAPPER.createObjectNode()));
        }
        try (CausalLm actor = Policies.scratch(TINY, demos, Device.cpu(), 3);
             RewardModel rm = dev.rlhf4j.model.decoder.DecoderModels.scratch(actor.config(), actor.tokenizer(), Device.cpu(), 64, 99, "test");
             RewardModel bert = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 32, 1);
             ValueModel fromRm = ValueModel.forPpo(actor, new RewardModelFunction(rm, "rm", 8, false));
             ValueModel fromBert = ValueModel.forPpo(actor, new RewardModelFunction(bert, "bert", 8, false));
             ValueModel fromGold = ValueModel.forPpo(actor, new GoldRewardFunction())) {
            assertThat(fromRm.initialisedFrom()).isEqualTo("reward model");
            assertThat(fromBert.initialisedFrom()).isEqualTo("actor");
            assertThat(fromGold.initialisedFrom()).isEqualTo("actor");

            var critic = fromRm.toHost();
            var rmWeights = rm.backbone().parameters().toHost();
            var actorWeights = actor.decoder().parameters().toHost();
            int differsFromActor = 0;
            for (var e : rmWeights.entrySet()) {
                assertThat(critic.get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
                if (!java.util.Arrays.equals(e.getValue().data(), actorWeights.get(e.getKey()).data())) differsFromActor++;
            }
            assertThat(differsFromActor).as("the reward model's weights are not the actor's").isGreaterThan(0);
            assertThat(critic.get(ValueModel.HEAD).data()).containsExactly(rm.parameters().asMap().get(RewardModel.HEAD).toFloatArray());
            assertThat(fromBert.toHost().get(ValueModel.HEAD).data()).containsOnly(0f);
            for (var e : actorWeights.entrySet()) {
                assertThat(fromBert.toHost().get(e.getKey()).data()).as(e.getKey()).containsExactly(e.getValue().data());
            }

            // The first values are the reward model's reward of each prefix: at the last token, its reward.
            int[] ids = actor.tokenizer().encode("Name a prime. Seven.");
            var batch = dev.rlhf4j.text.TokenBatch.of(List.of(new dev.rlhf4j.text.EncodedSequence(ids, new int[ids.length], false)), 0);
            try (var scope = new ai.djl.ndarray.NDScope()) {
                float reward = rm.rewards(batch, false).getFloat(0);
                NDArray v = fromRm.values(batch, false);
                assertThat(v.getFloat(0, ids.length - 1)).isCloseTo(reward, org.assertj.core.api.Assertions.within(1e-4f));
                assertThat(reward).isNotZero();
            }
        }
    }
}
