package dev.rlhf4j.model;

import ai.djl.ndarray.NDArray;

/**
 * A term added to a backbone's linear layers: y = x·Wᵀ + b + delta(W's name, x). LoRA ({@code model.lora}) is one;
 * the backbone asks it for every linear weight by its Hugging Face name and adds what it returns.
 */
public interface LinearAdapter {

    /**
     * The term to add to the output of the linear layer whose weight is named {@code weight}, or null when that
     * layer is not adapted.
     *
     * @param x        the layer's input (…, in)
     * @param training whether the forward pass trains (dropout on)
     */
    NDArray delta(String weight, NDArray x, boolean training);
}
