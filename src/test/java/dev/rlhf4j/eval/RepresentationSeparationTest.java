package dev.rlhf4j.eval;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder.EncodedPair;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The separation measure: its AUC by hand, its probe on synthetic clouds, and end to end on the tiny model. */
class RepresentationSeparationTest {
    static final String[] GOOD = {"great", "helpful", "correct", "kind", "clear", "thanks"};
    static final String[] BAD = {"awful", "useless", "wrong", "rude", "confusing", "whatever"};

    /** Pairs where the chosen answer carries a "good" word and the rejected one a "bad" word (as in TrainingTest). */
    static List<PreferencePair> pairs(int n, long seed) {
        Random rnd = new Random(seed);
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String prompt = "question number " + rnd.nextInt(100);
            out.add(pair("p" + i, prompt, "the answer is " + GOOD[rnd.nextInt(GOOD.length)],
                    "the answer is " + BAD[rnd.nextInt(BAD.length)], i + 1));
        }
        return out;
    }

    static PreferencePair pair(String id, String prompt, String c, String r, int line) {
        ObjectNode rec = Json.MAPPER.createObjectNode();
        rec.put("prompt", prompt);
        rec.put("chosen", c);
        rec.put("rejected", r);
        return new PreferencePair(id, List.of(Turn.user(prompt)), c, r, rec, "mem", line);
    }

    @Test
    void aucCountsTiesOneHalf() {
        // positives 0.4, 0.8, 0.9 against negatives 0.1, 0.4, 0.8:
        // 0.4 beats 0.1, ties 0.4, loses to 0.8 → 1.5; 0.8 beats two, ties one → 2.5; 0.9 beats all → 3. 7 of 9.
        double[] s = {0.8, 0.1, 0.4, 0.9, 0.4, 0.8};
        boolean[] y = {false, false, true, true, false, true};
        assertThat(RepresentationSeparation.rocAuc(s, y)).isCloseTo(7.0 / 9, within(1e-12));
        assertThat(RepresentationSeparation.rocAuc(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false}))
                .isEqualTo(0.5);
        assertThat(RepresentationSeparation.rocAuc(new double[] {3, 2, 1}, new boolean[] {true, true, false})).isEqualTo(1.0);
        assertThat(RepresentationSeparation.rocAuc(new double[] {1, 2}, new boolean[] {true, true})).isNaN();
    }

    /**
     * n pairs of H-dimensional Gaussian vectors (variance 2 per dimension, half of it shared within the pair); chosen
     * ones shifted by {@code shift} along the first 4 dimensions. A shift of 3 puts the class means 3·2/√2 ≈ 4.2
     * standard deviations apart: the best linear rule has AUC Φ(4.2/√2) ≈ 0.998.
     */
    private static float[][][] clouds(int n, int h, double shift, long seed) {
        Random rnd = new Random(seed);
        float[][] c = new float[n][h], r = new float[n][h];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < h; k++) {
                double common = rnd.nextGaussian(); // a per-pair offset both responses share, as a shared prompt would give
                c[i][k] = (float) (common + rnd.nextGaussian() + (k < 4 ? shift : 0));
                r[i][k] = (float) (common + rnd.nextGaussian());
            }
        }
        return new float[][][] {c, r};
    }

    @Test
    void theProbeSeparatesShiftedCloudsAndNotIdenticalOnes() {
        float[][][] apart = clouds(200, 64, 3, 1);
        RepresentationSeparation.Result a = RepresentationSeparation.measure(apart[0], apart[1], 7);
        assertThat(a.probeAuc()).isGreaterThan(0.95);
        assertThat(a.probeAccuracy()).isGreaterThan(0.8);
        assertThat(a.n()).isEqualTo(200);
        assertThat(a.hidden()).isEqualTo(64);
        assertThat(a.trainPairs() + a.testPairs()).isEqualTo(200);

        float[][][] same = clouds(200, 64, 0, 2);
        RepresentationSeparation.Result s = RepresentationSeparation.measure(same[0], same[1], 7);
        assertThat(s.probeAuc()).isBetween(0.35, 0.65);
        assertThat(s.meanCosine()).isBetween(-1.0, 1.0);
        // The split and the fit are deterministic.
        assertThat(RepresentationSeparation.measure(same[0], same[1], 7)).isEqualTo(s);
    }

    @Test
    void theProbeAloneOnSeparableData() {
        float[][][] apart = clouds(100, 16, 3, 3);
        float[][] x = new float[200][];
        boolean[] y = new boolean[200];
        for (int i = 0; i < 100; i++) {
            x[2 * i] = apart[0][i];
            y[2 * i] = true;
            x[2 * i + 1] = apart[1][i];
        }
        RepresentationSeparation.Probe p = RepresentationSeparation.Probe.fit(x, y, RepresentationSeparation.LAMBDA, 500);
        double[] s = new double[200];
        for (int i = 0; i < 200; i++) s[i] = p.logit(x[i]);
        assertThat(RepresentationSeparation.rocAuc(s, y)).isGreaterThan(0.95);
    }

    @Test
    void cosineOfHandMadeVectors() {
        float[][] c = {{1, 0}, {1, 1}, {2, 0}, {0, 3}}, r = {{1, 0}, {-1, -1}, {0, 5}, {0, 1}};
        RepresentationSeparation.Result res = RepresentationSeparation.measure(c, r, 1);
        // cosines 1, −1, 0, 1: mean 0.25, sample variance (0.5625 + 1.5625 + 0.0625 + 0.5625) / 3
        assertThat(res.meanCosine()).isCloseTo(0.25, within(1e-12));
        assertThat(res.cosineStd()).isCloseTo(Math.sqrt(2.75 / 3), within(1e-12));
    }

    @Test
    void fewerThanFourPairsIsAnError() {
        float[][] three = {{1}, {2}, {3}};
        assertThatThrownBy(() -> RepresentationSeparation.measure(three, three, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 4 pairs");
    }

    @Test
    void onTheTinyRandomModel() {
        try (RewardModel model = RewardModels.pretrained("tiny-random", Device.cpu(), Pooling.CLS, 32, 1)) {
            List<PreferencePair> ps = new ArrayList<>(pairs(12, 5));
            ps.add(pair("same", "say something", "the very same answer", "the very same answer", 13));
            RepresentationSeparation.Result r = RepresentationSeparation.measure(model, ps, 4, 3);
            assertThat(r.n()).isEqualTo(13);
            assertThat(r.hidden()).isEqualTo(model.backbone().hiddenSize());
            assertThat(r.meanCosine()).isBetween(-1.0, 1.0);
            // 13 pairs: 6 train the probe, 7 are held out; the AUC over 7 × 7 (chosen, rejected) orderings, a tie
            // counting half, is k/98.
            assertThat(r.probeAuc() * 98).isCloseTo(Math.rint(r.probeAuc() * 98), within(1e-9));
            // Pairs whose two responses are the same text: cosine 1, and the probe gives chosen and rejected of each
            // pair one logit, so the held-out chosen and rejected scores are the same multiset: AUC exactly 1/2, and
            // exactly one side of each pair is classified right.
            List<PreferencePair> same = new ArrayList<>();
            for (PreferencePair q : pairs(8, 6)) same.add(pair("same-" + same.size(), q.prompt().get(0).content(), q.chosen(), q.chosen(), same.size()));
            RepresentationSeparation.Result tie = RepresentationSeparation.measure(model, same, 4, 3);
            assertThat(tie.meanCosine()).isCloseTo(1.0, within(1e-5));
            assertThat(tie.probeAuc()).isEqualTo(0.5);
            assertThat(tie.probeAccuracy()).isEqualTo(0.5);
            assertThat(r.line()).startsWith("representations  n=13  mean cos(chosen, rejected) ");

            // The identical pair's two representations, computed in different batches among the others: cosine 1.
            List<EncodedPair> enc = model.encoder().encodePairs(ps);
            List<EncodedSequence> seqs = new ArrayList<>();
            for (EncodedPair p : enc) seqs.add(p.chosen());
            for (EncodedPair p : enc) seqs.add(p.rejected());
            float[][] f = RepresentationSeparation.features(model, seqs, 4);
            assertThat(RepresentationSeparation.cosine(f[12], f[25])).isCloseTo(1.0, within(1e-5));
            for (int i = 0; i < 13; i++) assertThat(RepresentationSeparation.cosine(f[i], f[13 + i])).isBetween(-1.0, 1.0);

            assertThatThrownBy(() -> RepresentationSeparation.measure(model, ps.subList(0, 3), 4, 3))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 4 pairs");
        }
    }
}
