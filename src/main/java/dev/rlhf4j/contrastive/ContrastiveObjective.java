package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.model.ModelParameters;

/**
 * A contrastive loss between two views of the same representations (rows correspond: row i of {@code hs} and
 * row i of {@code ht} are two views of one input). Implementations: {@link SimCse}, {@link Swav}.
 */
public interface ContrastiveObjective {
    /**
     * @param hs (N, H) view s
     * @param ht (N, H) view t
     * @return the scalar loss, differentiable with respect to both views (and to {@link #parameters()})
     */
    NDArray loss(NDArray hs, NDArray ht);

    /** Trainable tensors of the objective itself (SwAV's prototypes, named {@code swav.prototypes}); empty for SimCSE. */
    ModelParameters parameters();

    /** Called after each optimizer step (SwAV renormalises its prototypes to unit length, as SwAV does). */
    default void afterStep() {}
}
