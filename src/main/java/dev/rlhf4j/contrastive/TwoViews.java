package dev.rlhf4j.contrastive;

import ai.djl.ndarray.NDArray;

import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import dev.rlhf4j.engine.Scalars;

/**
 * The training objective with contrastive learning, from the features of two dropout views of one batch:
 * L = (L_rm(view s) + L_rm(view t)) / 2 + β·L_cl(H_s, H_t). The reward loss covers both views, as in the paper.
 */
public final class TwoViews {
    private TwoViews() {}

    /**
     * @param reward   the mean reward loss of the view s rewards
     * @param rewardsS view s rewards (2B): chosen rows then rejected (for accuracy)
     */
    public record Losses(NDArray reward, NDArray contrastive, NDArray total, NDArray rewardsS) {}

    /**
     * @param fs, ft   (2B, H) pooled features of the two views, chosen rows then rejected
     * @param head     features → rewards
     * @param pairLoss (chosen rewards, rejected rewards) → mean pairwise loss
     */
    public static Losses losses(NDArray fs, NDArray ft, int pairs, UnaryOperator<NDArray> head,
                                BinaryOperator<NDArray> pairLoss, ContrastiveConfig cfg, ContrastiveObjective objective) {
        String b = Integer.toString(pairs);
        NDArray rs = head.apply(fs), rt = head.apply(ft);
        NDArray rm = pairLoss.apply(rs.get("0:" + b), rs.get(b + ":")).add(pairLoss.apply(rt.get("0:" + b), rt.get(b + ":")));
        rm = Scalars.div(rm, 2f);
        NDArray cl = objective.loss(Representations.views(fs.get("0:" + b), fs.get(b + ":"), cfg.contrast()),
                Representations.views(ft.get("0:" + b), ft.get(b + ":"), cfg.contrast()));
        return new Losses(rm, cl, rm.add(Scalars.mul(cl, (float) cfg.beta())), rs);
    }
}
