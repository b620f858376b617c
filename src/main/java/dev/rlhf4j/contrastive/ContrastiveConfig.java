package dev.rlhf4j.contrastive;

/**
 * Contrastive learning added to reward-model training (the paper's §4): L = L_rm + β·L_cl over two dropout
 * views of every input.
 *
 * @param method        {@code simcse} or {@code swav}
 * @param contrast      {@code pairs}: H = {f(x, y_c), f(x, y_r)}; {@code difference}: H = {f_c − f_r, f_r − f_c}
 * @param beta          weight of L_cl
 * @param tau           temperature (SimCSE's cosine similarities, SwAV's prototype scores)
 * @param dropout       dropout of the two views
 * @param swavK         number of SwAV prototypes
 * @param sinkhornIters Sinkhorn–Knopp iterations for SwAV's codes
 * @param sinkhornEps   Sinkhorn–Knopp ε (entropy regularisation) for SwAV's codes
 */
public record ContrastiveConfig(String method, String contrast, double beta, double tau, double dropout, int swavK,
                                int sinkhornIters, double sinkhornEps) {
    /** The paper's batch for contrastive training, in pairs (train-rm's default when --contrastive is on). */
    public static final int DEFAULT_BATCH_PAIRS = 16;

    public ContrastiveConfig {
        if (!method.equals("simcse") && !method.equals("swav")) {
            throw new IllegalArgumentException("--contrastive must be simcse or swav, got '" + method + "'");
        }
        if (!contrast.equals("pairs") && !contrast.equals("difference")) {
            throw new IllegalArgumentException("--contrast must be pairs or difference, got '" + contrast + "'");
        }
        if (!(beta >= 0)) throw new IllegalArgumentException("--cl-beta must be ≥ 0, got " + beta);
        if (!(tau > 0)) throw new IllegalArgumentException("--cl-tau must be > 0, got " + tau);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("--cl-dropout must be in [0, 1), got " + dropout);
        if (swavK < 2) throw new IllegalArgumentException("--swav-k must be ≥ 2, got " + swavK);
        if (sinkhornIters < 1) throw new IllegalArgumentException("--sinkhorn-iters must be ≥ 1, got " + sinkhornIters);
        if (!(sinkhornEps > 0)) throw new IllegalArgumentException("--sinkhorn-eps must be > 0, got " + sinkhornEps);
    }

    /** The paper's β for a method and contrast when none is given: SimCSE 1; SwAV-difference 0.5; SwAV-pairs 0.1. */
    public static double defaultBeta(String method, String contrast) {
        if (method.equals("simcse")) return 1.0;
        return contrast.equals("difference") ? 0.5 : 0.1;
    }

    /** The paper's K: SwAV-difference 20, SwAV-pairs 50. */
    public static int defaultK(String contrast) {
        return contrast.equals("difference") ? 20 : 50;
    }
}
