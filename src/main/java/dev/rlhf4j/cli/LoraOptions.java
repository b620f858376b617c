package dev.rlhf4j.cli;

import dev.rlhf4j.model.lora.LoraConfig;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code --lora-*}: train a LoRA adapter (PEFT's layout) instead of the backbone's weights. */
public final class LoraOptions {
    @Option(names = "--lora-r", defaultValue = LoraConfig.Defaults.R,
            description = "LoRA rank; 0 trains the backbone's own weights (default: ${DEFAULT-VALUE}). With r > 0 the base stays "
                    + "frozen, A and B train (A kaiming-uniform, B zero, as PEFT), the reward head trains in full, and the "
                    + "checkpoint is a PEFT adapter directory (adapter_config.json, adapter_model.safetensors).")
    int r;

    @Option(names = "--lora-alpha", defaultValue = LoraConfig.Defaults.ALPHA,
            description = "LoRA alpha: B·A is scaled by alpha / r (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--lora-dropout", defaultValue = LoraConfig.Defaults.DROPOUT,
            description = "Dropout on the LoRA input while training (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--lora-targets", split = ",",
            description = "Module names to adapt, Hugging Face names (default: q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,"
                    + "down_proj for decoders; query,key,value,dense for BERT-family encoders).")
    List<String> targets;

    /** Whether {@code --lora-r} asks for LoRA (above 0). */
    public boolean enabled() {
        return r != 0;
    }

    /** The adapter to train, or null when {@code --lora-r} is 0. */
    public LoraConfig config(String taskType, boolean decoder) {
        if (r == 0) return null;
        List<String> t = targets != null ? targets : decoder ? LoraConfig.Defaults.DECODER_TARGETS : LoraConfig.Defaults.BERT_TARGETS;
        return new LoraConfig(r, alpha, dropout, t, List.of("score"), taskType, "");
    }
}
