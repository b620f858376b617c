package dev.rlhf4j.text;

import dev.rlhf4j.data.Turn;

import java.util.List;

/** Renders a dialogue as one text for a decoder: a checkpoint's chat template, or the transcript form. */
@FunctionalInterface
public interface PromptRenderer {
    /**
     * @param messages            the dialogue; for a scored response the last message is the assistant's
     * @param addGenerationPrompt end with the cue for the assistant's next turn (for generation)
     */
    String render(List<Turn> messages, boolean addGenerationPrompt);

    /** {@code Human: …\n\nAssistant: …} turns, as in HH-RLHF transcripts (without their leading blank line). */
    PromptRenderer TRANSCRIPT = (messages, cue) -> {
        StringBuilder sb = new StringBuilder();
        for (Turn t : messages) {
            if (sb.length() > 0) sb.append("\n\n");
            sb.append(SequenceEncoder.render(t));
        }
        if (cue) sb.append(sb.length() > 0 ? "\n\n" : "").append("Assistant:");
        return sb.toString();
    };
}
