package dev.rlhf4j.model;

import ai.djl.Device;

/**
 * How to build a fresh reward model: which backbone, how to pool, how many tokens, where to run.
 *
 * @param backbone  preset id ({@code minilm}, {@code bge-small}) or a Hugging Face BERT directory
 */
public record ModelSpec(String backbone, Pooling pooling, int maxLength, Device device) {

    /** A new model with pretrained backbone weights and a head initialised from {@code seed}. */
    public RewardModel create(long seed) {
        return RewardModels.pretrained(backbone, device, pooling, maxLength, seed);
    }
}
