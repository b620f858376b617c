package dev.rlhf4j.rl;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.rl.ResponseTokens.Sequence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The implicit reward of a DPO policy (METHODS §10): r(x, y) = β · (log π(y|x) − log π_ref(y|x)), the response's
 * log-probability summed over its tokens as {@link DpoTrainer} trains it. Scored for both sides of preference pairs it
 * reads like a reward model's rewards (accuracy, gap, calibration of σ(r_c − r_r)).
 */
public final class ImplicitReward {
    private ImplicitReward() {}

    /**
     * Rewards of the chosen (index 0) and rejected (index 1) responses, in pair order. The two models must share a
     * tokenizer (checked on the encoded rows).
     */
    public static float[][] score(CausalLm policy, CausalLm reference, List<PreferencePair> pairs, double beta,
                                  int maxPromptTokens, int maxLength, int batchSize) {
        ResponseTokens pt = new ResponseTokens(policy, maxPromptTokens, maxLength);
        ResponseTokens rt = new ResponseTokens(reference, maxPromptTokens, maxLength);
        List<String[]> chosen = new ArrayList<>(pairs.size()), rejected = new ArrayList<>(pairs.size());
        for (PreferencePair p : pairs) {
            String prompt = DpoPairs.promptOf(p);
            chosen.add(new String[] {p.id(), prompt, p.chosen()});
            rejected.add(new String[] {p.id(), prompt, p.rejected()});
        }
        float[][] out = new float[2][];
        for (int side = 0; side < 2; side++) {
            List<String[]> rows = side == 0 ? chosen : rejected;
            List<Sequence> ps = DpoTrainer.encode(pt, rows), rs = DpoTrainer.encode(rt, rows);
            for (int i = 0; i < ps.size(); i++) {
                if (!Arrays.equals(ps.get(i).ids(), rs.get(i).ids())) {
                    throw new IllegalArgumentException("the policy and the reference tokenize pair " + pairs.get(i).id()
                            + " differently: the implicit reward needs one tokenizer");
                }
            }
            float[] lp = DpoTrainer.logProbs(policy, pt, ps, batchSize), lr = DpoTrainer.logProbs(reference, rt, rs, batchSize);
            float[] r = new float[lp.length];
            for (int i = 0; i < r.length; i++) r[i] = (float) (beta * (lp[i] - lr[i]));
            out[side] = r;
        }
        return out;
    }
}
