package dev.rlhf4j.rl;

import ai.djl.ndarray.NDScope;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.text.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Demonstrations as the policy's token rows (the prompt, then the response, response tokens marked as learnt), their
 * {@link TokenBatch}, and the policy's perplexity on the response tokens: what SFT trains on and what PPO's reference
 * perplexity is measured on.
 */
final class ResponseTokens {
    /** One tokenised row: ids, and for each token whether it is learnt (a response token). */
    record Sequence(int[] ids, boolean[] learn) {}

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

    /** The rows as one right-padded batch, response tokens carrying the loss. */
    TokenBatch batch(List<Sequence> rows) {
        List<int[]> ids = new ArrayList<>(rows.size());
        List<boolean[]> learn = new ArrayList<>(rows.size());
        for (Sequence s : rows) {
            ids.add(s.ids());
            learn.add(s.learn());
        }
        return TokenBatch.learning(ids, learn, policy.config().padOrEos());
    }

    /** exp(mean negative log-likelihood of the response tokens), in batches of {@code batchSize} rows. */
    double perplexity(List<Sequence> seqs, int batchSize) {
        double nll = 0, count = 0;
        for (int start = 0; start < seqs.size(); start += batchSize) {
            try (NDScope scope = new NDScope()) {
                TokenBatch b = batch(seqs.subList(start, Math.min(seqs.size(), start + batchSize)));
                nll += policy.targetNll(b, false).getFloat();
                count += b.targets();
            }
        }
        return Math.exp(nll / Math.max(count, 1));
    }
}
