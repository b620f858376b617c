package dev.rlhf4j.model.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A LoRA adapter's settings as PEFT's {@code adapter_config.json} holds them.
 *
 * @param r             rank
 * @param alpha         {@code lora_alpha}: the update is scaled by alpha / r
 * @param dropout       {@code lora_dropout} on the input of A while training
 * @param targetModules module names (last component, e.g. {@code q_proj}) whose linear weight is adapted
 * @param modulesToSave modules trained and saved in full (a reward head: {@code score})
 * @param taskType      {@code SEQ_CLS} (reward model) or {@code CAUSAL_LM}
 * @param baseModel     {@code base_model_name_or_path}
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, List<String> modulesToSave,
                         String taskType, String baseModel) {
    public static final String SEQ_CLS = "SEQ_CLS";
    public static final String CAUSAL_LM = "CAUSAL_LM";

    /** Defaults of the {@code --lora-*} options. */
    public static final class Defaults {
        public static final String R = "0";
        public static final String ALPHA = "16";
        public static final String DROPOUT = "0"; // PEFT's default
        /** Every projection of a Llama-family block (what the peft fixtures adapt), and BERT's. */
        public static final List<String> DECODER_TARGETS = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
        public static final List<String> BERT_TARGETS = List.of("query", "key", "value", "dense");

        private Defaults() {}
    }

    public LoraConfig {
        if (r <= 0) throw new IllegalArgumentException("LoRA r must be positive, got " + r);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        if (targetModules.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one target module");
        if (!taskType.equals(SEQ_CLS) && !taskType.equals(CAUSAL_LM)) {
            throw new IllegalArgumentException("LoRA task_type must be SEQ_CLS or CAUSAL_LM, got " + taskType);
        }
        targetModules = List.copyOf(targetModules);
        modulesToSave = List.copyOf(modulesToSave);
    }

    /** alpha / r: what B·A is multiplied by (PEFT without rsLoRA). */
    public double scale() {
        return alpha / r;
    }

    /** Whether a module (its full name, e.g. {@code model.layers.0.self_attn.q_proj}) is a target, as PEFT matches names. */
    public boolean targets(String module) {
        for (String t : targetModules) if (module.equals(t) || module.endsWith("." + t)) return true;
        return false;
    }

    public LoraConfig withBaseModel(String base) {
        return new LoraConfig(r, alpha, dropout, targetModules, modulesToSave, taskType, base);
    }

    /** Reads {@code adapter_config.json}; refuses what this reader would get wrong (DoRA, rsLoRA, per-module ranks). */
    public static LoraConfig read(Path file) {
        JsonNode c;
        try {
            c = Json.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String type = c.path("peft_type").asText("");
        List<String> problems = new ArrayList<>();
        if (!type.equals("LORA")) problems.add("peft_type is '" + type + "', not LORA");
        if (c.path("use_dora").asBoolean(false)) problems.add("DoRA (use_dora) is not supported");
        if (c.path("use_rslora").asBoolean(false)) problems.add("rsLoRA (use_rslora) is not supported");
        if (c.path("fan_in_fan_out").asBoolean(false)) problems.add("fan_in_fan_out (GPT-2's Conv1D) is not supported");
        if (c.path("rank_pattern").size() > 0 || c.path("alpha_pattern").size() > 0) problems.add("rank_pattern / alpha_pattern are not supported");
        if (c.path("layers_to_transform").isArray()) problems.add("layers_to_transform is not supported");
        if (!c.path("bias").asText("none").equals("none")) problems.add("bias '" + c.path("bias").asText() + "' is not supported (only none)");
        if (!c.path("target_modules").isArray()) problems.add("target_modules must be a list (a regular expression is not supported)");
        if (!problems.isEmpty()) throw new IllegalArgumentException(file + ": " + String.join("; ", problems));
        return new LoraConfig(c.path("r").asInt(8), c.path("lora_alpha").asDouble(8), c.path("lora_dropout").asDouble(0),
                strings(c.path("target_modules")), strings(c.path("modules_to_save")), c.path("task_type").asText(CAUSAL_LM),
                c.path("base_model_name_or_path").asText(""));
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : a) out.add(n.asText());
        return out;
    }

    /** The {@code adapter_config.json} PEFT reads back (keys it requires, defaults for the rest). */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("peft_type", "LORA");
        o.put("task_type", taskType);
        o.put("base_model_name_or_path", baseModel);
        o.put("r", r);
        if (alpha == Math.rint(alpha)) o.put("lora_alpha", (int) alpha); // PEFT writes an int alpha as an int
        else o.put("lora_alpha", alpha);
        o.put("lora_dropout", dropout);
        ArrayNode t = o.putArray("target_modules");
        targetModules.forEach(t::add);
        if (modulesToSave.isEmpty()) o.putNull("modules_to_save");
        else {
            ArrayNode m = o.putArray("modules_to_save");
            modulesToSave.forEach(m::add);
        }
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("inference_mode", true);
        o.put("init_lora_weights", true);
        o.put("use_dora", false);
        o.put("use_rslora", false);
        o.putObject("rank_pattern");
        o.putObject("alpha_pattern");
        o.putNull("layers_to_transform");
        o.putNull("layers_pattern");
        o.putNull("revision");
        return o;
    }
}
