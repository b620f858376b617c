package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.strength.StrengthEstimator;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** DPO, cDPO, ODPO and IPO losses against hand arithmetic, and the strength-based preparation of pairs. */
class DpoLossTest {
    // Three pairs with h = 2, −5, 0 (h = policy log-ratio of chosen minus that of rejected), β = 0.1.
    static final float[] H = {2f, -5f, 0f};

    @Test
    void dpoIsSoftplusOfMinusBetaH() {
        DpoLoss dpo = new DpoLoss(DpoLoss.Kind.DPO, 0.1);
        // −log σ(0.2) = log(1 + e^−0.2) = 0.598139; −log σ(−0.5) = log(1 + e^0.5) = 0.974077; −log σ(0) = log 2
        double[] want = {0.5981389, 0.9740770, 0.6931472};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = dpo.perPair(m.create(H), null, null).toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertThat((double) got[i]).isCloseTo(want[i], within(1e-6));
                assertThat(dpo.perPair(H[i], 0, 0)).isCloseTo(want[i], within(1e-7));
            }
        }
    }

    @Test
    void conservativeDpoAndOffsetPerPair() {
        DpoLoss dpo = new DpoLoss(DpoLoss.Kind.DPO, 0.1);
        // pair 1: ε 0.1, Δ 0 → 0.9 · log(1 + e^−0.2) + 0.1 · log(1 + e^0.2) = 0.9 · 0.598139 + 0.1 · 0.798139 = 0.618139
        // pair 2: ε 0.2, Δ 0 → 0.8 · 0.974077 + 0.2 · log(1 + e^−0.5) = 0.8 · 0.974077 + 0.2 · 0.474077 = 0.874077
        // pair 3: ε 0, Δ 0.3 → −log σ(0 − 0.3) = log(1 + e^0.3) = 0.854355
        double[] want = {0.6181389, 0.8740770, 0.8543552};
        float[] eps = {0.1f, 0.2f, 0f}, delta = {0f, 0f, 0.3f};
        try (NDManager m = NDManager.newBaseManager()) {
            float[] got = dpo.perPair(m.create(H), m.create(delta), m.create(eps)).toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertThat((double) got[i]).isCloseTo(want[i], within(1e-6));
                assertThat(dpo.perPair(H[i], delta[i], eps[i])).isCloseTo(want[i], within(1e-7));
            }
        }
        // ODPO on pair 1: −log σ(0.2 − 0.3) = log(1 + e^0.1) = 0.744397
        assertThat(dpo.perPair(2, 0.3, 0)).isCloseTo(0.7443967, within(1e-7));
    }

    @Test
    void ipoIsTheSquaredDistanceToOneOverTwoBeta() {
        DpoLoss ipo = new DpoLoss(DpoLoss.Kind.IPO, 0.1);
        // 1/(2β) = 5: (2 − 5)² = 9, (−5 − 5)² = 100, (0 − 5)² = 25
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray h = m.create(H);
            assertThat(ipo.perPair(h, null, null).toFloatArray()).containsExactly(9f, 100f, 25f);
            assertThatThrownBy(() -> ipo.perPair(h, null, h)).hasMessageContaining("ipo");
        }
        assertThat(DpoLoss.kind("cdpo")).isEqualTo(DpoLoss.Kind.DPO);
        assertThatThrownBy(() -> DpoLoss.kind("kto")).hasMessageContaining("unknown --loss");
    }

    static PreferencePair pair(String id, String chosen, String rejected, double mu) {
        ObjectNode r = Json.MAPPER.createObjectNode();
        r.put("id", id);
        r.put("prompt", "q" + id);
        r.put("chosen", chosen);
        r.put("rejected", rejected);
        if (!Double.isNaN(mu)) r.put(StrengthEstimator.MEAN, mu);
        return new PreferencePair(id, List.of(Turn.user("q" + id)), chosen, rejected, r, "t.jsonl", 1);
    }

    @Test
    void strengthFlipsDropsAndSetsOffsetAndSmoothing() {
        List<PreferencePair> data = List.of(pair("a", "A1", "A2", Double.NaN), pair("b", "B1", "B2", Double.NaN),
                pair("c", "C1", "C2", Double.NaN));
        // The strength file lists the pairs in another order: matched by id.
        List<PreferencePair> strength = List.of(pair("c", "C1", "C2", 1.5), pair("a", "A1", "A2", -2), pair("b", "B1", "B2", 0.05));
        DpoPairs.Denoising d = new DpoPairs.Denoising(0, 0, 0.1, true, 1, 4, true, 0.5, 0);
        DpoPairs.Prepared p = DpoPairs.prepare(data, strength, d);
        assertThat(p.flipped()).isEqualTo(1);
        assertThat(p.dropped()).isEqualTo(1); // b: μ̂ 0.05 in [0, 0.1]
        assertThat(p.items()).extracting(DpoPairs.Item::id).containsExactly("a", "c");
        DpoPairs.Item a = p.items().get(0), c = p.items().get(1);
        // a: flipped, μ̂ 2 → Δ = min(4, max(0, 2)) = 2, ε = σ(−2) = 0.119203
        assertThat(a.flipped()).isTrue();
        assertThat(a.chosen()).isEqualTo("A2");
        assertThat(a.rejected()).isEqualTo("A1");
        assertThat(a.delta()).isEqualTo(2.0);
        assertThat(a.eps()).isCloseTo(0.1192029, within(1e-7));
        // c: μ̂ 1.5 → Δ 1.5, ε = σ(−1.5) = 1 / (1 + e^1.5) = 0.182426
        assertThat(c.delta()).isEqualTo(1.5);
        assertThat(c.eps()).isCloseTo(0.1824255, within(1e-7));
        assertThat(p.meanDelta()).isEqualTo(1.75);

        // Without strength options: every pair as given, with cDPO's constant ε.
        DpoPairs.Prepared plain = DpoPairs.prepare(data, null, DpoPairs.Denoising.none(0.1));
        assertThat(plain.items()).extracting(DpoPairs.Item::eps).containsExactly(0.1, 0.1, 0.1);
        assertThat(plain.items()).extracting(DpoPairs.Item::delta).containsExactly(0.0, 0.0, 0.0);
        assertThatThrownBy(() -> DpoPairs.prepare(data, null, d)).hasMessageContaining("--strength");
        // A strength file of other responses is refused.
        List<PreferencePair> other = List.of(pair("a", "X", "A2", 1), pair("b", "B1", "B2", 1), pair("c", "C1", "C2", 1));
        assertThatThrownBy(() -> DpoPairs.prepare(data, other, d)).hasMessageContaining("other responses");
    }
}
