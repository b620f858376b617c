package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.PpoConfig;
import dev.rlhf4j.rl.PpoRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j ppo}: optimise a policy against a reward model. */
@Command(name = "ppo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"PPO against a reward model (the paper's §6 settings where they carry over to a CPU-sized policy).",
                "Actor and frozen reference from --policy; critic from the actor with a value head; the reward model scores the",
                "decoded text with its own tokenizer. Writes OUT/metrics.jsonl (one line per iteration: RM reward, gold reward,",
                "the RM's accuracy and Kendall tau against gold on the iteration's within-prompt rollout pairs, KL, perplexity",
                "(with --ppl-data), length, entropy, clip fraction, value loss, time split), OUT/policy/, OUT/resume/ (overwritten),",
                "OUT/snapshots/iter-XXXX/ (kept, see --snapshots), OUT/ppo.json. With --lora-r the policies written are PEFT",
                "CAUSAL_LM adapters over --policy (load with --policy-adapter, or merge), and only the trained tensors are resumed;",
                "OUT/critic/ is the critic as a PEFT SEQ_CLS adapter (value head as 'score', its bias in rlhf4j_reward_model.json),",
                "loadable wherever a reward-model adapter is.",
                "--algorithm grpo|dr-grpo|rloo|reinforce++ (METHODS.md §9) runs a critic-free method on the same rollouts, scoring,",
                "KL and logging: no critic; metrics add 'algorithm' and 'kl_loss' in place of 'value_loss'."})
public final class PpoCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "The SFT policy: a decoder directory (HF *ForCausalLM) or llama2.c .bin.")
    Path policy;

    @Option(names = "--reward-model", required = true,
            description = "A reward model directory of any backbone, or 'gold' for the controlled task's gold reward.")
    String rewardModel;

    @Option(names = {"--adapter", "--reward-adapter"}, paramLabel = "DIR",
            description = "A PEFT LoRA adapter (SEQ_CLS) put on --reward-model as its base (default: none; --reward-model may "
                    + "also name an adapter directory alone).")
    Path rewardAdapter;

    @Option(names = "--policy-adapter", paramLabel = "DIR",
            description = "A PEFT LoRA adapter (CAUSAL_LM, e.g. from sft --lora-r) put on --policy as its base: the starting "
                    + "policy and the reference. With --lora-r > 0 the actor keeps training this adapter (its own rank and "
                    + "targets); with --lora-r 0 it is merged and every weight trains (default: none).")
    Path policyAdapter;

    @Option(names = "--prompts", required = true, description = "Training prompts: JSONL with a 'prompt' field.")
    Path prompts;

    @Option(names = "--out", required = true, description = "Output directory.")
    Path out;

    @Option(names = "--ppl-data", description = "Demonstrations whose response perplexity is logged each iteration "
            + "(default: none; rlhf uses the SFT data's held-out share).")
    Path pplData;

    @Option(names = "--gold", defaultValue = "auto",
            description = "Log the controlled task's gold reward: auto (when the prompts are the task's), off (default: ${DEFAULT-VALUE}).")
    String gold;

    @Mixin PpoOptions ppo;

    /** LoRA of the actor (saved as a CAUSAL_LM adapter in OUT/policy/) and of the critic (its value head in full). */
    @Mixin LoraOptions lora;

    @Option(names = "--resume", description = "Continue the run in --out from its last checkpoint (default: start afresh).")
    boolean resume;

    @picocli.CommandLine.Mixin DeviceOption device;

    @picocli.CommandLine.Mixin RlThreads threads;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        threads.apply();
        PpoConfig cfg = ppo.config();
        ObjectNode prov = Provenance.of("ppo", spec.commandLine().getParseResult().originalArgs(), Map.of("prompts", prompts), cfg.seed(), Engines.info());
        dev.rlhf4j.model.lora.LoraConfig l = lora.config(dev.rlhf4j.model.lora.LoraConfig.CAUSAL_LM, true);
        if (l != null) prov.set("lora", l.toJson());
        ObjectNode summary = PpoRun.run(policy, rewardModel, prompts, pplData, !gold.equals("off"), cfg,
                new PpoRun.Lora(policyAdapter, rewardAdapter, l), out, resume, device.get(), prov);
        System.out.println("ppo: " + Json.MAPPER.valueToTree(summary.path("last")).toString());
        System.out.println("wrote " + out.toAbsolutePath() + " (metrics.jsonl, policy/, ppo.json)");
        return Main.OK;
    }
}
