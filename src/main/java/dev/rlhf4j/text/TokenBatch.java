package dev.rlhf4j.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one padded batch every model reads (reward-model training and scoring, SFT, PPO, generation, log-probabilities):
 * rows padded to one width and flattened row-major, {@code rows × cols}.
 *
 * @param ids        token ids, {@code padId} on padding
 * @param typeIds    segment ids (encoder pairs), 0 elsewhere
 * @param mask       attention mask: 1 on real tokens, 0 on padding
 * @param lossMask   1 on the tokens that are learnt or scored (response tokens), 0 elsewhere; all 0 where nothing is
 * @param lengths    real tokens of each row
 * @param leftPadded whether rows end in the last column (batched generation) rather than start in the first
 */
public record TokenBatch(long[] ids, long[] typeIds, float[] mask, float[] lossMask, int[] lengths, int rows, int cols,
                         boolean leftPadded) {

    /** Right-padded: each row starts in the first column. */
    public static TokenBatch of(List<EncodedSequence> seqs, int padId) {
        return padded(seqs, padId, false);
    }

    /** Left-padded: each row's tokens end in the last column (the layout of batched generation). */
    public static TokenBatch leftPadded(List<EncodedSequence> seqs, int padId) {
        return padded(seqs, padId, true);
    }

    private static TokenBatch padded(List<EncodedSequence> seqs, int padId, boolean left) {
        List<int[]> ids = new ArrayList<>(seqs.size()), types = new ArrayList<>(seqs.size());
        for (EncodedSequence s : seqs) {
            ids.add(s.ids());
            types.add(s.typeIds());
        }
        return build(ids, types, null, padId, 1, 0, left);
    }

    /**
     * Prompts left-padded to the longest, followed by {@code room} empty columns (pad, mask 0) that generation fills
     * in place: every row's next token then sits in one column.
     */
    public static TokenBatch prompts(List<int[]> prompts, int padId, int room) {
        return build(prompts, null, null, padId, 1, room, true);
    }

    /**
     * Right-padded rows whose {@code learn} tokens carry the loss (at least 2 columns, so every row has a next-token
     * target): SFT's demonstrations, packed or not.
     */
    public static TokenBatch learning(List<int[]> ids, List<boolean[]> learn, int padId) {
        return build(ids, null, learn, padId, 2, 0, false);
    }

    /** Right-padded rows of a prompt followed by its response, the response tokens carrying the loss: PPO's rollouts. */
    public static TokenBatch promptResponses(List<int[]> prompts, List<int[]> responses, int padId) {
        List<int[]> ids = new ArrayList<>(prompts.size());
        List<boolean[]> learn = new ArrayList<>(prompts.size());
        for (int r = 0; r < prompts.size(); r++) {
            int[] p = prompts.get(r), q = responses.get(r);
            int[] row = Arrays.copyOf(p, p.length + q.length);
            System.arraycopy(q, 0, row, p.length, q.length);
            boolean[] l = new boolean[row.length];
            Arrays.fill(l, p.length, row.length, true);
            ids.add(row);
            learn.add(l);
        }
        return learning(ids, learn, padId);
    }

    private static TokenBatch build(List<int[]> seqs, List<int[]> typeIds, List<boolean[]> learn, int padId, int minCols,
                                    int room, boolean left) {
        int rows = seqs.size();
        int longest = minCols;
        for (int[] s : seqs) longest = Math.max(longest, s.length);
        int cols = longest + room;
        long[] ids = new long[rows * cols];
        long[] types = new long[rows * cols];
        float[] mask = new float[rows * cols];
        float[] loss = new float[rows * cols];
        int[] lengths = new int[rows];
        Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            int[] s = seqs.get(r);
            lengths[r] = s.length;
            int off = r * cols + (left ? longest - s.length : 0);
            for (int c = 0; c < s.length; c++) {
                ids[off + c] = s[c];
                if (typeIds != null) types[off + c] = typeIds.get(r)[c];
                mask[off + c] = 1f;
                if (learn != null && learn.get(r)[c]) loss[off + c] = 1f;
            }
        }
        return new TokenBatch(ids, types, mask, loss, lengths, rows, cols, left);
    }

    /** The given rows, in that order, keeping this batch's width (so per-column host arrays still line up). */
    public TokenBatch rows(int[] pick) {
        long[] i = new long[pick.length * cols], t = new long[pick.length * cols];
        float[] m = new float[pick.length * cols], l = new float[pick.length * cols];
        int[] len = new int[pick.length];
        for (int k = 0; k < pick.length; k++) {
            int from = pick[k] * cols, to = k * cols;
            System.arraycopy(ids, from, i, to, cols);
            System.arraycopy(typeIds, from, t, to, cols);
            System.arraycopy(mask, from, m, to, cols);
            System.arraycopy(lossMask, from, l, to, cols);
            len[k] = lengths[pick[k]];
        }
        return new TokenBatch(i, t, m, l, len, pick.length, cols, leftPadded);
    }

    /**
     * The loss mask aligned with next-token log-probabilities, {@code rows × (cols − 1)}: column c is 1 when token
     * c + 1 carries the loss (column c predicts it).
     */
    public float[] targetMask() {
        float[] out = new float[rows * (cols - 1)];
        for (int r = 0; r < rows; r++) System.arraycopy(lossMask, r * cols + 1, out, r * (cols - 1), cols - 1);
        return out;
    }

    /** Tokens that carry the loss as next-token targets (the sum of {@link #targetMask}). */
    public int targets() {
        int n = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 1; c < cols; c++) n += (int) lossMask[r * cols + c];
        }
        return n;
    }

    public int realTokens() {
        int n = 0;
        for (float m : mask) n += (int) m;
        return n;
    }
}
