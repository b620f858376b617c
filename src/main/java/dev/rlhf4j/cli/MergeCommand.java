package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelFiles;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.provenance.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j merge}: a PEFT LoRA adapter merged into its base, written as a full checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Merge a PEFT LoRA adapter into its base (W += (lora_alpha / r)·B·A; the adapter's modules_to_save, "
                + "such as a reward head, replace the base's) and write a full checkpoint with Hugging Face names: "
                + "*ForSequenceClassification for a SEQ_CLS adapter, *ForCausalLM for a CAUSAL_LM one. Its outputs equal the "
                + "adapted model's."})
public final class MergeCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", description = "The base model (default: the adapter's base_model_name_or_path, resolved beside "
            + "the adapter directory first).")
    Path model;

    @Option(names = "--adapter", required = true, description = "The PEFT adapter directory (adapter_config.json, adapter_model.safetensors).")
    Path adapter;

    @Option(names = "--out", required = true, description = "Output directory (created; files replaced atomically).")
    Path out;

    @Override
    public Integer call() {
        LoraConfig cfg = LoraConfig.read(adapter.resolve(Adapters.CONFIG));
        Path base = model != null ? model : Adapters.baseOf(adapter);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("base_config", base.resolve(ModelFiles.CONFIG));
        inputs.put("adapter_weights", adapter.resolve(Adapters.WEIGHTS));
        ObjectNode prov = Provenance.of("merge", spec.commandLine().getParseResult().originalArgs(), inputs, 0, Engines.info());
        if (cfg.taskType().equals(LoraConfig.SEQ_CLS)) {
            try (RewardModel rm = Adapters.loadRewardModel(base, adapter, Engines.device("cpu"), false)) {
                int adapted = rm.adapter().adaptedWeights().size();
                Adapters.merge(rm);
                RewardModels.save(rm, out, prov);
                System.out.printf("%s + %s: %d weights merged, reward model -> %s%n", base, adapter, adapted, out.toAbsolutePath());
            }
        } else {
            try (CausalLm lm = Adapters.loadCausalLm(base, adapter, Engines.device("cpu"))) {
                Adapters.merge(lm);
                lm.save(out, prov);
                System.out.printf("%s + %s: merged, %s -> %s%n", base, adapter, lm.config().family().causalLmClass(), out.toAbsolutePath());
            }
        }
        return Main.OK;
    }
}
