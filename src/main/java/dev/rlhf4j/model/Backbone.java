package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A transformer that maps token ids to hidden states. Encoders (BERT family) and decoders (Llama
 * family) implement it; the reward, value and language-model heads sit on top.
 */
public interface Backbone {

    /**
     * Hidden states of the last layer.
     *
     * @param ids      (B, T) int64 token ids
     * @param typeIds  (B, T) int64 segment ids (encoders; decoders ignore them)
     * @param mask     (B, T) float32, 1 for real tokens and 0 for padding
     * @param training whether dropout is active
     * @return (B, T, H) float32
     */
    NDArray hiddenStates(NDArray ids, NDArray typeIds, NDArray mask, boolean training);

    int hiddenSize();

    /** Transformer layers (blocks) between the embeddings and the last hidden states. */
    int numLayers();

    /**
     * The embeddings and layers [0, upTo): the input of layer {@code upTo}, (B, T, H). With
     * {@link #upperStates} it splits {@link #hiddenStates} so that training only the top layers can
     * compute the frozen lower part once and cache it.
     */
    NDArray lowerStates(NDArray ids, NDArray typeIds, NDArray mask, int upTo, boolean training);

    /** Layers [from, numLayers) applied to the output of {@link #lowerStates} with {@code upTo = from}. */
    NDArray upperStates(NDArray lower, NDArray mask, int from, boolean training);

    /**
     * The last hidden state at the first position only, (B, H): what [CLS] pooling reads, from the output of
     * {@link #lowerStates} with {@code upTo = from}. The same values as {@code upperStates(...)[:, 0, :]}; an
     * encoder may skip the rows of its last layer that nothing reads.
     */
    default NDArray firstTokenStates(NDArray lower, NDArray mask, int from, boolean training) {
        return upperStates(lower, mask, from, training).get(":, 0, :");
    }

    /** The parameters of layers [from, numLayers); never the embeddings. */
    ModelParameters parametersFrom(int from);

    /** Trainable tensors under their Hugging Face names, in a stable order. */
    ModelParameters parameters();

    /** The Hugging Face {@code config.json} content describing this backbone. */
    ObjectNode configJson();

    /** The family that loads and saves models on this backbone. */
    ModelFamily family();

    /** How this backbone counts the FLOPs of a training step (what {@code bench}'s MFU divides), or null where it does not (decoders). */
    default FlopCount flops() {
        return null;
    }

    /** Sets the dropout probability used when {@code training} is true. */
    void setDropout(float p);

    /**
     * Switches activation recomputation on or off (off when built): while a training loop's
     * {@link dev.rlhf4j.engine.Recompute} is open and gradients are recorded, the full pass keeps only each layer's input
     * and runs the layer again when its gradient is needed. Gradients are those of the normal pass.
     */
    default void recompute(boolean on) {
        if (on) throw new UnsupportedOperationException(getClass().getSimpleName() + " does not recompute activations");
    }

    /**
     * Adds {@code adapter}'s term to every linear layer it adapts (null removes it). Backbones whose linear layers
     * do not go through one place refuse.
     */
    default void adapt(LinearAdapter adapter) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no adapter (LoRA): Llama-family and Gemma-2 decoders and BERT encoders do");
    }
}
