package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The one log-probability path ({@link CausalLm#logProbs}) against the last-position logits of each prefix alone:
 * a padded batch's per-token log-probabilities, entropies and target NLL are those of its rows one by one.
 */
class CausalLmLogProbsTest {

    @Test
    void aPaddedBatchGivesEachRowsPrefixLogProbsAndEntropies() {
        try (CausalLm lm = CausalLm.load(SharedFiles.get("models/hf-tiny/llama"), Device.cpu())) {
            int[] p0 = lm.encode("The cat"), r0 = lm.encode(" sat on the mat");
            int[] p1 = lm.encode("Once upon a time"), r1 = lm.encode(" there");
            r0 = java.util.Arrays.copyOfRange(r0, 1, r0.length); // without its BOS: a continuation
            r1 = java.util.Arrays.copyOfRange(r1, 1, r1.length);
            TokenBatch b = TokenBatch.promptResponses(List.of(p0, p1), List.of(r0, r1), lm.config().padOrEos());
            float[] lp, ent;
            try (NDScope scope = new NDScope()) {
                CausalLm.LogProbs out = lm.logProbs(b, false, true);
                lp = out.tokens().toFloatArray();
                ent = out.entropy().toFloatArray();
            }
            int c1 = b.cols() - 1;
            double nll = 0;
            int[][] rows = {concat(p0, r0), concat(p1, r1)};
            int[] promptLength = {p0.length, p1.length};
            for (int r = 0; r < 2; r++) {
                int[] ids = rows[r];
                for (int c = 0; c + 1 < ids.length; c++) {
                    double[] logSoftmax = logSoftmax(lm.lastLogits(java.util.Arrays.copyOf(ids, c + 1)));
                    double h = 0;
                    for (double l : logSoftmax) h -= Math.exp(l) * l;
                    assertThat((double) lp[r * c1 + c]).as("row %d column %d", r, c).isCloseTo(logSoftmax[ids[c + 1]], within(1e-4));
                    assertThat((double) ent[r * c1 + c]).as("entropy row %d column %d", r, c).isCloseTo(h, within(1e-4));
                    if (c + 1 >= promptLength[r]) nll -= logSoftmax[ids[c + 1]];
                }
            }
            assertThat(b.targets()).isEqualTo(r0.length + r1.length);
            try (NDScope scope = new NDScope()) {
                assertThat((double) lm.targetNll(b, false).getFloat()).isCloseTo(nll, within(1e-3));
            }
            // The loss of one row is its mean next-token NLL over the same path.
            double mean = 0;
            for (int c = 0; c + 1 < rows[0].length; c++) mean -= lp[c];
            assertThat(lm.loss(rows[0])).isCloseTo(mean / (rows[0].length - 1), within(1e-5));
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] o = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    private static double[] logSoftmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY, s = 0;
        for (float v : z) max = Math.max(max, v);
        for (float v : z) s += Math.exp(v - max);
        double lse = max + Math.log(s);
        double[] o = new double[z.length];
        for (int i = 0; i < z.length; i++) o[i] = z[i] - lse;
        return o;
    }
}
