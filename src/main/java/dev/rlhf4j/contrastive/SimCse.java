package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.engine.Scalars;

/**
 * Unsupervised SimCSE with in-batch negatives (the paper's Eq. 9):
 * ℓ_i = −log( exp(cos(h_s^i, h_t^i)/τ) / Σ_j exp(cos(h_s^i, h_t^j)/τ) ), L = mean_i ℓ_i.
 *
 * <p>Rows are L2-normalised (norm clamped below at {@value #NORM_EPS}, so a zero row gives zeros rather than
 * NaN), S = ẑ_s ẑ_tᵀ / τ, and ℓ_i = −logSoftmax(S_i)[i], which stays finite for small τ.
 */
public final class SimCse implements ContrastiveObjective {
    static final double NORM_EPS = 1e-8;

    private final double tau;
    private final ModelParameters none = new ModelParameters();

    public SimCse(double tau) {
        if (!(tau > 0)) throw new IllegalArgumentException("tau must be > 0, got " + tau);
        this.tau = tau;
    }

    @Override
    public NDArray loss(NDArray hs, NDArray ht) {
        checkViews(hs, ht);
        NDArray zs = l2Rows(hs);
        NDArray zt = l2Rows(ht);
        NDArray logits = Scalars.div(zs.matMul(zt.transpose()), tau);           // (N, N)
        NDArray logp = logits.logSoftmax(1);
        long n = hs.getShape().get(0);
        NDArray eye = hs.getManager().eye((int) n).toType(logp.getDataType(), false);
        return logp.mul(eye).sum(new int[] {1}).neg().mean();        // −mean_i logp[i, i]
    }

    @Override
    public ModelParameters parameters() {
        return none;
    }

    public double tau() {
        return tau;
    }

    /** Rows divided by max(‖row‖₂, 1e-8). */
    static NDArray l2Rows(NDArray h) {
        return h.normalize(2, 1, NORM_EPS);
    }

    static void checkViews(NDArray hs, NDArray ht) {
        if (hs.getShape().dimension() != 2 || !hs.getShape().equals(ht.getShape())) {
            throw new IllegalArgumentException("views must be two (N, H) arrays of the same shape, got "
                    + hs.getShape() + " and " + ht.getShape());
        }
    }
}
