package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import dev.rlhf4j.engine.Scalars;
import dev.rlhf4j.train.loss.PairwiseLoss;

import java.util.Locale;

/**
 * Direct preference optimisation losses of one pair (METHODS §10), from h = (log π(y_c|x) − log π_ref(y_c|x)) −
 * (log π(y_r|x) − log π_ref(y_r|x)), a per-pair offset Δ ≥ 0 and a per-pair label-smoothing weight ε:
 * <ul>
 *   <li>{@code dpo}: L = −(1 − ε) log σ(βh − Δ) − ε log σ(−(βh − Δ)). With Δ = 0 and ε = 0 this is DPO
 *       (Rafailov et al., 2023), with ε &gt; 0 conservative DPO (cDPO), with Δ &gt; 0 DPO with an offset (ODPO,
 *       Amini et al., 2024); the smoothing term uses the same shifted logit, as the reward model's smooth+margin
 *       loss does.</li>
 *   <li>{@code ipo}: L = (h − 1/(2β))² (Azar et al., 2023); it has no offset or smoothing form here.</li>
 * </ul>
 * −log σ(z) is computed as softplus(−z), finite for any z.
 *
 * @param kind dpo or ipo
 * @param beta β &gt; 0, the strength of the implicit KL constraint
 */
public record DpoLoss(Kind kind, double beta) {
    /** The loss family. */
    public enum Kind { DPO, IPO }

    public DpoLoss {
        if (!(beta > 0)) throw new IllegalArgumentException("--beta must be > 0, got " + beta);
    }

    /** {@code dpo}, {@code cdpo} (DPO with smoothing; the ε comes from the caller) or {@code ipo}. */
    public static Kind kind(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "dpo", "cdpo" -> Kind.DPO;
            case "ipo" -> Kind.IPO;
            default -> throw new IllegalArgumentException("unknown --loss '" + name + "' (expected dpo, cdpo or ipo)");
        };
    }

    /**
     * Per-pair losses (B) of h (B); {@code delta} and {@code eps} (B) may be null (all zeros). IPO rejects both.
     */
    public NDArray perPair(NDArray h, NDArray delta, NDArray eps) {
        if (kind == Kind.IPO) {
            if (delta != null || eps != null) throw new IllegalArgumentException("ipo takes no per-pair offset or smoothing");
            try (NDArray c = Scalars.constant(h, 1 / (2 * beta))) {
                NDArray d = h.sub(c);
                return d.mul(d);
            }
        }
        NDArray z = Scalars.mul(h, beta);
        if (delta != null) z = z.sub(delta);
        NDArray pos = PairwiseLoss.negLogSigmoid(z);
        if (eps == null) return pos;
        NDArray neg = PairwiseLoss.negLogSigmoid(z.neg());
        try (NDArray one = Scalars.constant(eps, 1)) {
            return pos.mul(one.sub(eps)).add(neg.mul(eps));
        }
    }

    /** The same loss of one pair in double arithmetic (for reports and tests). */
    public double perPair(double h, double delta, double eps) {
        if (kind == Kind.IPO) {
            double d = h - 1 / (2 * beta);
            return d * d;
        }
        double z = beta * h - delta;
        return (1 - eps) * softplus(-z) + eps * softplus(z);
    }

    private static double softplus(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }
}
