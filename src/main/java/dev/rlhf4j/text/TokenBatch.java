package dev.rlhf4j.text;

import java.util.List;

/**
 * Sequences padded to the longest in the batch, flattened row-major: {@code rows × cols}.
 * {@code mask} is 1 on real tokens and 0 on padding.
 */
public record TokenBatch(long[] ids, long[] typeIds, float[] mask, int rows, int cols) {

    /** Right-padded: each row starts in the first column. */
    public static TokenBatch of(List<EncodedSequence> seqs, int padId) {
        return padded(seqs, padId, false);
    }

    /** Left-padded: each row's tokens end in the last column (the layout of batched generation). */
    public static TokenBatch leftPadded(List<EncodedSequence> seqs, int padId) {
        return padded(seqs, padId, true);
    }

    private static TokenBatch padded(List<EncodedSequence> seqs, int padId, boolean left) {
        int rows = seqs.size();
        int cols = 1;
        for (EncodedSequence s : seqs) cols = Math.max(cols, s.length());
        long[] ids = new long[rows * cols];
        long[] types = new long[rows * cols];
        float[] mask = new float[rows * cols];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            EncodedSequence s = seqs.get(r);
            int off = r * cols + (left ? cols - s.length() : 0);
            for (int c = 0; c < s.length(); c++) {
                ids[off + c] = s.ids()[c];
                types[off + c] = s.typeIds()[c];
                mask[off + c] = 1f;
            }
        }
        return new TokenBatch(ids, types, mask, rows, cols);
    }

    public int realTokens() {
        int n = 0;
        for (float m : mask) n += (int) m;
        return n;
    }
}
