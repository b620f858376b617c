package dev.rlhf4j.model.decoder;

import com.fasterxml.jackson.databind.JsonNode;

/** The decoder architectures rlhf4j reads, with their Hugging Face names. */
public enum DecoderFamily {
    LLAMA("llama", "Llama", "model.", true),
    MISTRAL("mistral", "Mistral", "model.", true),
    QWEN2("qwen2", "Qwen2", "model.", false),
    /** Qwen2 plus a per-head RMSNorm of queries and keys before rotary ({@code q_norm}, {@code k_norm}). */
    QWEN3("qwen3", "Qwen3", "model.", false),
    /** Its own block layout: see {@link Gemma2Decoder}. */
    GEMMA2("gemma2", "Gemma2", "model.", true),
    GPT2("gpt2", "GPT2", "transformer.", false);

    /** {@code model_type} in config.json. */
    public final String modelType;
    /** The class-name stem transformers uses ({@code LlamaForCausalLM}). */
    public final String classStem;
    /** Prefix of the backbone's tensor names inside *ForCausalLM / *ForSequenceClassification checkpoints. */
    public final String prefix;
    private final boolean addsBos;

    DecoderFamily(String modelType, String classStem, String prefix, boolean addsBos) {
        this.modelType = modelType;
        this.classStem = classStem;
        this.prefix = prefix;
        this.addsBos = addsBos;
    }

    /** Whether this family's tokenizers put BOS before a sequence when tokenizer_config.json does not say. */
    public boolean addsBosByDefault() {
        return addsBos;
    }

    /** Whether queries and keys pass through a per-head RMSNorm before rotary (Qwen3). */
    public boolean qkNorm() {
        return this == QWEN3;
    }

    public String causalLmClass() {
        return this == GPT2 ? "GPT2LMHeadModel" : classStem + "ForCausalLM";
    }

    public String sequenceClassificationClass() {
        return classStem + "ForSequenceClassification";
    }

    /** The family a config.json describes, from {@code model_type} or else {@code architectures}; null if none. */
    public static DecoderFamily of(JsonNode config) {
        String type = config.path("model_type").asText("");
        for (DecoderFamily f : values()) if (f.modelType.equals(type)) return f;
        for (JsonNode a : config.path("architectures")) {
            for (DecoderFamily f : values()) {
                if (a.asText().startsWith(f.classStem + "For") || a.asText().equals(f.causalLmClass())) return f;
            }
        }
        return null;
    }

    /** Whether config.json names a sequence-classification head ({@code *ForSequenceClassification}). */
    public static boolean isSequenceClassifier(JsonNode config) {
        for (JsonNode a : config.path("architectures")) if (a.asText().endsWith("ForSequenceClassification")) return true;
        return false;
    }
}
