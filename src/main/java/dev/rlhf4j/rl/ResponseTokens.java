package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.model.decoder.CausalLm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Demonstrations as the policy's token rows (the prompt, then the response, response tokens marked as learnt), their
 * batch tensors, and the policy's perplexity on the response tokens: what SFT trains on and what PPO's reference
 * perplexity is measured on.
 */
final class ResponseTokens {
    /** One tokenised row: ids, and for each token whether it is learnt (a response token). */
    record Sequence(int[] ids, boolean[] learn) {}

    /** A padded batch: ids and attention mask (rows, cols), the learnt-token mask (rows, cols − 1) and its count. */
    record Tensors(NDArray ids, NDArray mask, NDArray lossMask, float count) {}

    private final CausalLm policy;
    private final PolicyText text;
    private final int maxLength;

    ResponseTokens(CausalLm policy, int maxPromptTokens, int maxLength) {
        this.policy = policy;
        this.text = new PolicyText(policy, maxPromptTokens);
        this.maxLength = maxLength;
    }

    List<Sequence> encode(List<Demonstrations.Example> data) {
        List<Sequence> out = new ArrayList<>(data.size());
        for (Demonstrations.Example e : data) {
            int[] p = text.prompt(e.prompt());
            int[] r = text.response(e.response(), maxLength - p.length);
            int[] ids = Arrays.copyOf(p, p.length + r.length);
            System.arraycopy(r, 0, ids, p.length, r.length);
            boolean[] learn = new boolean[ids.length];
            Arrays.fill(learn, p.length, ids.length, true);
            out.add(new Sequence(ids, learn));
        }
        return out;
    }

    Tensors tensors(List<Sequence> batch) {
        int cols = 2;
        for (Sequence s : batch) cols = Math.max(cols, s.ids().length);
        int rows = batch.size();
        long[] ids = new long[rows * cols];
        float[] mask = new float[rows * cols];
        float[] loss = new float[rows * (cols - 1)];
        Arrays.fill(ids, policy.config().padOrEos());
        float count = 0;
        for (int r = 0; r < rows; r++) {
            Sequence s = batch.get(r);
            for (int c = 0; c < s.ids().length; c++) {
                ids[r * cols + c] = s.ids()[c];
                mask[r * cols + c] = 1f;
            }
            // Column c of the log-probabilities predicts token c + 1.
            for (int c = 1; c < s.ids().length; c++) {
                if (s.learn()[c]) {
                    loss[r * (cols - 1) + c - 1] = 1f;
                    count++;
                }
            }
        }
        NDManager m = policy.manager();
        return new Tensors(m.create(ids, new Shape(rows, cols)), m.create(mask, new Shape(rows, cols)),
                m.create(loss, new Shape(rows, cols - 1)), count);
    }

    /** exp(mean negative log-likelihood of the response tokens), in batches of {@code batchSize} rows. */
    double perplexity(List<Sequence> seqs, int batchSize) {
        double nll = 0, count = 0;
        for (int start = 0; start < seqs.size(); start += batchSize) {
            try (NDScope scope = new NDScope()) {
                Tensors t = tensors(seqs.subList(start, Math.min(seqs.size(), start + batchSize)));
                nll -= policy.tokenLogProbs(t.ids(), t.mask(), false).mul(t.lossMask()).sum().getFloat();
                count += t.count();
            }
        }
        return Math.exp(nll / Math.max(count, 1));
    }
}
