package dev.rlhf4j.rl;

import dev.rlhf4j.data.Json;
import dev.rlhf4j.synth.RlSets;

import java.util.ArrayList;
import java.util.List;

/** What the SFT and PPO loop tests share: the controlled task's demonstrations and prompts, a tiny policy, SFT settings. */
final class RlFixtures {
    static final Policies.Shape TINY = new Policies.Shape(1, 32, 2, 2, 64, 128, null);
    static final List<Demonstrations.Example> DEMOS = new ArrayList<>();
    static final List<String> PROMPTS = new ArrayList<>();

    static {
        RlSets.Sets s = RlSets.generate(40, 8, 160, 5);
        for (RlSets.Demonstration d : s.sft()) {
            DEMOS.add(new Demonstrations.Example(d.id(), d.prompt(), d.response(), Json.MAPPER.createObjectNode()));
        }
        for (RlSets.Prompt p : s.train()) PROMPTS.add(p.prompt());
    }

    private RlFixtures() {}

    /** SFT of the tiny policy at a high rate, padded rows, no mid-epoch validation. */
    static SftConfig sft(int epochs) {
        return SftConfig.builder().epochs(epochs).batchSize(16).lr(1e-2).warmupRatio(0.05).schedule("cosine").clipNorm(1.0)
                .weightDecay(0.0).seed(7).maxLength(64).maxPromptTokens(32).packing(false).evalEvery(0).build();
    }
}
