package dev.rlhf4j.model.decoder;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The token picker's rules on hand-made logits, and the rotary scalings against transformers' values. */
class SamplerAndRotaryTest {
    static final float[] LOGITS = {1, 3, 2, 0, -1};

    static GenerationConfig cfg(boolean greedy, int topK, double topP, double penalty) {
        return new GenerationConfig(8, greedy, 1.0, topK, topP, penalty, List.of(), true, true, 0);
    }

    static int pick(GenerationConfig c, long[] history, SplittableRandom rng) {
        float[] mask = new float[history.length];
        java.util.Arrays.fill(mask, 1f);
        return new Sampler(c, LOGITS.length).next(LOGITS, 0, LOGITS.length, history, mask, 0, history.length, rng);
    }

    static TreeSet<Integer> drawn(GenerationConfig c) {
        SplittableRandom rng = new SplittableRandom(1);
        TreeSet<Integer> seen = new TreeSet<>();
        for (int i = 0; i < 2000; i++) seen.add(pick(c, new long[0], rng));
        return seen;
    }

    @Test
    void greedyTakesTheArgMaxAndThePenaltyDividesPositiveAndMultipliesNegativeLogits() {
        assertThat(pick(cfg(true, 0, 1, 1), new long[0], new SplittableRandom(0))).isEqualTo(1);
        // Token 1 seen: 3 / 2 = 1.5 < 2, so token 2 wins.
        assertThat(pick(cfg(true, 0, 1, 2), new long[] {1}, new SplittableRandom(0))).isEqualTo(2);
        // Tokens 1 and 2 seen (2 twice: penalised once): 1.5 and 1.0 against token 0's unseen 1.
        assertThat(pick(cfg(true, 0, 1, 2), new long[] {1, 2, 2}, new SplittableRandom(0))).isEqualTo(1);
        // Penalty 3: token 1 falls to 1.0, tying token 0; ties go to the lower id, as torch.argmax.
        assertThat(pick(cfg(true, 0, 1, 3), new long[] {1, 2}, new SplittableRandom(0))).isEqualTo(0);
    }

    @Test
    void topKAndTopPKeepOnlyTheHeadOfTheDistribution() {
        assertThat(drawn(cfg(false, 0, 1, 1))).containsExactly(0, 1, 2, 3, 4);
        assertThat(drawn(cfg(false, 2, 1, 1))).containsExactly(1, 2);
        // softmax: p1 0.644, p2 0.237, p0 0.087, p3 0.032, p4 0.012
        assertThat(drawn(cfg(false, 0, 0.5, 1))).containsExactly(1);
        assertThat(drawn(cfg(false, 0, 0.85, 1))).containsExactly(1, 2);
        assertThat(drawn(cfg(false, 0, 0.9, 1))).containsExactly(0, 1, 2);
        assertThat(drawn(cfg(false, 4, 0.9, 1))).containsExactly(0, 1, 2);
    }

    @Test
    void samplingFollowsTheSoftmax() {
        SplittableRandom rng = new SplittableRandom(5);
        int n = 20000, ones = 0;
        for (int i = 0; i < n; i++) if (pick(cfg(false, 0, 1, 1), new long[0], rng) == 1) ones++;
        assertThat(ones / (double) n).isCloseTo(0.6439, within(0.015));
    }

    static DecoderConfig rope(String type, double theta, double factor) {
        DecoderConfig base = DecoderConfig.llama(100, 256, 1, 2, 2, 64, 1024, 1, 2, 0, true);
        return new DecoderConfig(base.family(), 100, 256, 1, 2, 2, 128, 64, 131072, 1e-5, theta, type, factor, 1.0, 4.0,
                8192, 0, List.of(false), true, false, 128, 0, 0, 1, List.of(2), 0, true, 0, "float32");
    }

    @Test
    void rotaryScalingsMatchTransformers() {
        // transformers 5.18 ROPE_INIT_FUNCTIONS for head_dim 128, indices 0, 10, 20, 25, 30, 40, 63
        int[] at = {0, 10, 20, 25, 30, 40, 63};
        double[] llama3 = {1.0, 0.12868738174438477, 0.016560440883040428, 0.005940730683505535, 0.0013718936825171113,
                3.428102354519069e-05, 3.068925877869333e-07};
        double[] linear = {0.25, 0.05928434059023857, 0.014058532193303108, 0.0068460488691926, 0.0033338037319481373,
                0.0007905694656074047, 2.8869548259535804e-05};
        float[] a = RotaryTables.inverseFrequencies(rope("llama3", 500000.0, 8.0));
        float[] b = RotaryTables.inverseFrequencies(rope("linear", 10000.0, 4.0));
        for (int i = 0; i < at.length; i++) {
            assertThat((double) a[at[i]]).as("llama3 %d", at[i]).isCloseTo(llama3[i], within(llama3[i] * 1e-5));
            assertThat((double) b[at[i]]).as("linear %d", at[i]).isCloseTo(linear[i], within(linear[i] * 1e-5));
        }
    }

    static DecoderConfig typed(String dtype) {
        DecoderConfig b = rope("default", 10000.0, 1.0);
        return new DecoderConfig(b.family(), 100, 256, 1, 2, 2, 128, 64, 131072, 1e-5, 10000.0, "default", 1, 1.0, 4.0,
                8192, 0, List.of(false), true, false, 128, 0, 0, 1, List.of(2), 0, true, 0, dtype);
    }

    @Test
    void constantsAreHeldInTheCheckpointsType() {
        // bfloat16 keeps 8 significant bits, float16 11 (with subnormals below 2^-14); values worked out by hand
        assertThat(typed("bfloat16").roundToDtype((float) Math.sqrt(32))).isEqualTo(5.65625f);
        assertThat(typed("bfloat16").roundToDtype(0.1f)).isEqualTo(0.10009765625f);
        assertThat(typed("float16").roundToDtype(0.1f)).isEqualTo(0.0999755859375f);
        assertThat(typed("float16").roundToDtype(1e-6f)).isEqualTo((float) (17 * Math.pow(2, -24)));
        assertThat(typed("float32").roundToDtype(0.1f)).isEqualTo(0.1f);
        // rotary frequencies of a bfloat16 checkpoint: θ_1 = 10000^(-2/128) = 0.86596… → 0.8671875
        assertThat(RotaryTables.inverseFrequencies(typed("bfloat16"))[1]).isEqualTo(0.8671875f);
        assertThat((double) RotaryTables.inverseFrequencies(typed("float32"))[1]).isCloseTo(Math.pow(10000, -2.0 / 128), within(1e-7));
    }
}
