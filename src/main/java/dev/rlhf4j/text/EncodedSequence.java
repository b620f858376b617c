package dev.rlhf4j.text;

/**
 * One model input: token ids and segment ids of the same length.
 *
 * @param truncated whether context turns or response tokens were cut to fit
 */
public record EncodedSequence(int[] ids, int[] typeIds, boolean truncated) {
    public int length() {
        return ids.length;
    }
}
