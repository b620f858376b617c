package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;

/** Picks how a decoder renders dialogues: the chat template of a tokenizer config when it has one, else the transcript. */
public final class ChatTemplates {
    private ChatTemplates() {}

    /** @param tokenizerConfig a checkpoint's tokenizer_config.json content, or null */
    public static PromptRenderer renderer(JsonNode tokenizerConfig) {
        return ChatTemplate.fromTokenizerConfig(tokenizerConfig, Path.of("tokenizer_config.json"))
                .<PromptRenderer>map(t -> t).orElse(PromptRenderer.TRANSCRIPT);
    }
}
