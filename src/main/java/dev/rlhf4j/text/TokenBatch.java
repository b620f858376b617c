package dev.rlhf4j.text;

import java.util.List;

/**
 * Sequences padded to the longest in the batch, flattened row-major: {@code rows × cols}.
 * {@code mask} is 1 on real tokens and 0 on padding.
 */
public record TokenBatch(long[] ids, long[] typeIds, float[] mask, int rows, int cols) {

    public static TokenBatch of(List<EncodedSequence> seqs, int padId) {
        int rows = seqs.size();
        int cols = 1;
        for (EncodedSequence s : seqs) cols = Math.max(cols, s.length());
        long[] ids = new long[rows * cols];
        long[] types = new long[rows * cols];
        float[] mask = new float[rows * cols];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            EncodedSequence s = seqs.get(r);
            for (int c = 0; c < s.length(); c++) {
                ids[r * cols + c] = s.ids()[c];
                types[r * cols + c] = s.typeIds()[c];
                mask[r * cols + c] = 1f;
            }
        }
        return new TokenBatch(ids, types, mask, rows, cols);
    }

    /** Left-padded: each row's tokens end in the last column (the layout of batched generation). */
    public static TokenBatch leftPadded(List<EncodedSequence> seqs, int padId) {
        TokenBatch right = of(seqs, padId);
        int rows = right.rows, cols = right.cols;
        long[] ids = new long[rows * cols];
        long[] types = new long[rows * cols];
        float[] mask = new float[rows * cols];
        java.util.Arrays.fill(ids, padId);
        for (int r = 0; r < rows; r++) {
            EncodedSequence s = seqs.get(r);
            int off = r * cols + cols - s.length();
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
