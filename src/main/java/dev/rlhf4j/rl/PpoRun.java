package dev.rlhf4j.rl;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.synth.GoldReward;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The {@code ppo} job: load actor, reference, critic (PPO only) and reward, train, write {@code ppo.json}. */
public final class PpoRun {
    private PpoRun() {}

    /** A reward function by name: {@code gold}, or a reward-model directory. */
    public static RewardFunction reward(String spec, Device device) {
        return reward(spec, null, device);
    }

    /** {@link #reward(String, Device)}, with {@code adapter} (a PEFT SEQ_CLS adapter directory, or null) on the reward model as its base. */
    public static RewardFunction reward(String spec, Path adapter, Device device) {
        if (spec.equals("gold")) {
            if (adapter != null) throw new IllegalArgumentException("a reward adapter needs a reward-model directory as its base, not gold");
            return new GoldRewardFunction();
        }
        return new RewardModelFunction(Adapters.rewardModel(Path.of(spec), adapter, device, true), spec, 64, true);
    }

    /**
     * LoRA in a ppo run.
     *
     * @param policyAdapter a PEFT CAUSAL_LM adapter on {@code --policy} (the starting policy and the reference), or null
     * @param rewardAdapter a PEFT SEQ_CLS adapter on the reward model, or null
     * @param lora          the LoRA to train (null: the actor and the critic train every weight); the actor's adapter is
     *                      saved as a CAUSAL_LM adapter ({@code OUT/policy/}), the critic's (its value head in full) as a
     *                      SEQ_CLS adapter ({@code OUT/critic/}, see {@link ValueModel#save}) and in the resume state
     */
    public record Lora(Path policyAdapter, Path rewardAdapter, LoraConfig lora) {
        public static final Lora NONE = new Lora(null, null, null);
    }

    /** The starting policy: {@code policy} alone (a checkpoint or an adapter directory), or with {@code adapter} on it. */
    static CausalLm policy(Path policy, Path adapter, Device device) {
        return adapter == null ? Policies.load(policy, device) : Adapters.loadCausalLm(policy, adapter, device);
    }

    /**
     * The actor: the resume state, or the starting policy. A starting policy with an adapter keeps training that adapter
     * under {@code lora} (its own rank and targets) and is merged for full training without; a plain one gets a fresh
     * adapter under {@code lora}.
     */
    static CausalLm actor(Path policy, Lora l, boolean resume, Path out, long seed, Device device) {
        if (resume) return Policies.load(out.resolve("resume"), device);
        CausalLm actor = policy(policy, l.policyAdapter(), device);
        try {
            boolean adapted = actor.decoder().adapter() != null;
            if (adapted && l.lora() == null) Adapters.merge(actor);
            else if (!adapted && l.lora() != null) Adapters.attachNew(actor, l.lora(), seed);
            return actor;
        } catch (RuntimeException e) {
            actor.close();
            throw e;
        }
    }

    /**
     * The critic's base for its saved adapter: {@code model} (the policy or the reward model it was built from), with
     * {@code adapter} merged, or, when {@code model} is an adapter directory alone, that adapter's base with it merged.
     */
    static void criticBase(ValueModel critic, Path model, Path adapter) {
        if (adapter == null && Adapters.isAdapter(model)) critic.withBase(Adapters.baseOf(model), model);
        else critic.withBase(model, adapter);
    }

    public static ObjectNode run(Path policy, String rewardSpec, Path promptsFile, Path pplData, boolean logGold, PpoConfig cfg,
                                 Path out, boolean resume, Device device, ObjectNode provenance) {
        return run(policy, rewardSpec, promptsFile, pplData, logGold, cfg, Lora.NONE, out, resume, device, provenance);
    }

    public static ObjectNode run(Path policy, String rewardSpec, Path promptsFile, Path pplData, boolean logGold, PpoConfig cfg,
                                 Lora lora, Path out, boolean resume, Device device, ObjectNode provenance) {
        List<String> prompts = Demonstrations.promptTexts(promptsFile);
        List<Demonstrations.Example> ppl = pplData == null ? List.of() : Demonstrations.read(pplData);
        boolean task = logGold && GoldReward.familyOf(prompts.get(0)) != null;
        try (CausalLm actor = actor(policy, lora, resume, out, cfg.seed(), device);
             CausalLm reference = policy(policy, lora.policyAdapter(), device);
             RewardFunction rm = reward(rewardSpec, lora.rewardAdapter(), device);
             ValueModel critic = cfg.algorithm().usesCritic() ? ValueModel.forPpo(reference, rm) : null) {
            if (reference.decoder().adapter() != null) Adapters.merge(reference); // frozen: one weight per layer
            if (critic != null && lora.lora() != null) {
                LoraConfig l = lora.lora();
                critic.withLora(new LoraConfig(l.r(), l.alpha(), l.dropout(), l.targetModules(), List.of(ValueModel.MODULE),
                        LoraConfig.SEQ_CLS, l.baseModel()), cfg.seed());
                if (critic.initialisedFrom().equals("reward model")) criticBase(critic, Path.of(rewardSpec), lora.rewardAdapter());
                else criticBase(critic, policy, lora.policyAdapter());
            }
            String criticInit = critic == null ? "none" : critic.initialisedFrom();
            if (critic != null) {
                System.err.printf(Locale.ROOT, "ppo: actor %s (%,d parameters, %,d trained), reward %s, critic from the %s (%,d trained), %d prompts, %d iterations x %d prompts x %d rollouts, beta %s%n",
                        policy, actor.parameters().count(), actor.trainableParameters().count(), rm.name(), critic.initialisedFrom(),
                        critic.trainableParameters().count(), prompts.size(), cfg.iterations(),
                        cfg.promptsPerIter(), cfg.rollouts(), cfg.klBeta());
            } else {
                System.err.printf(Locale.ROOT, "%s: actor %s (%,d parameters, %,d trained), reward %s, no critic, %d prompts, %d iterations x %d prompts x %d rollouts, beta %s, KL %s%n",
                        cfg.algorithm(), policy, actor.parameters().count(), actor.trainableParameters().count(), rm.name(), prompts.size(), cfg.iterations(),
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
            if (lora.policyAdapter() != null) o.put("policy_adapter", lora.policyAdapter().toString());
            if (lora.rewardAdapter() != null) o.put("reward_adapter", lora.rewardAdapter().toString());
            if (lora.lora() != null) o.set("lora", lora.lora().toJson());
            o.put("policy_out", out.resolve("policy").toString());
            o.set("config", Json.MAPPER.valueToTree(cfg));
            o.set("last", r.last());
            o.set("provenance", provenance);
            Json.write(out.resolve("ppo.json"), o);
            return o;
        }
    }
}
