package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.synth.GoldReward;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code ppo} job: load actor, reference, critic (PPO only) and reward, train, write {@code ppo.json}. */
public final class PpoRun {
    private PpoRun() {}

    /** A reward function by name: {@code gold}, or a reward-model directory. */
    public static RewardFunction reward(String spec, Device device) {
        if (spec.equals("gold")) return new GoldRewardFunction();
        return new RewardModelFunction(RewardModels.load(Path.of(spec), device), spec, 64, true);
    }

    public static ObjectNode run(Path policy, String rewardSpec, Path promptsFile, Path pplData, boolean logGold, PpoConfig cfg,
                                 Path out, boolean resume, Device device, ObjectNode provenance) {
        List<String> prompts = Demonstrations.promptTexts(promptsFile);
        List<Demonstrations.Example> ppl = pplData == null ? List.of() : Demonstrations.read(pplData);
        boolean task = logGold && GoldReward.familyOf(prompts.get(0)) != null;
        try (CausalLm actor = CausalLm.load(resume ? out.resolve("resume") : policy, device);
             CausalLm reference = CausalLm.load(policy, device);
             RewardFunction rm = reward(rewardSpec, device);
             ValueModel critic = cfg.algorithm().usesCritic() ? ValueModel.forPpo(reference, rm) : null) {
            String criticInit = critic == null ? "none" : critic.initialisedFrom();
            if (critic != null) {
                System.err.printf(Locale.ROOT, "ppo: actor %s (%,d parameters), reward %s, critic from the %s, %d prompts, %d iterations x %d prompts x %d rollouts, beta %s%n",
                        policy, actor.parameters().count(), rm.name(), critic.initialisedFrom(), prompts.size(), cfg.iterations(),
                        cfg.promptsPerIter(), cfg.rollouts(), cfg.klBeta());
            } else {
                System.err.printf(Locale.ROOT, "%s: actor %s (%,d parameters), reward %s, no critic, %d prompts, %d iterations x %d prompts x %d rollouts, beta %s, KL %s%n",
                        cfg.algorithm(), policy, actor.parameters().count(), rm.name(), prompts.size(), cfg.iterations(),
                        cfg.promptsPerIter(), cfg.rollouts(), cfg.klBeta(), cfg.algorithm().klPlacement(cfg.klInReward()));
            }
            PpoTrainer.Result r = new PpoTrainer(actor, reference, critic, rm, task ? new GoldRewardFunction() : null, cfg, ppl)
                    .train(prompts, out, resume, provenance);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("iterations", r.iterations());
            o.put("seconds", r.seconds());
            o.put("reward_model", rewardSpec);
            o.put("algorithm", cfg.algorithm().cliName());
            o.put("critic_init", criticInit);
            o.put("policy_in", policy.toString());
            o.put("policy_out", out.resolve("policy").toString());
            o.set("config", Json.MAPPER.valueToTree(cfg));
            o.set("last", r.last());
            o.set("provenance", provenance);
            Json.write(out.resolve("ppo.json"), o);
            return o;
        }
    }
}
