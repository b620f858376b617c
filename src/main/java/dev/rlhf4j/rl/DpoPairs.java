package dev.rlhf4j.rl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.strength.Denoiser;
import dev.rlhf4j.strength.StrengthEstimator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DPO's training pairs, denoised by preference strength as the paper denoises reward-model pairs (METHODS §3, §10).
 * μ̂ and σ̂ of each pair come from a {@code strength} output file, matched by {@code id} (by order when the files
 * carry no ids and have the same length). Flip, drop and margin go through {@link Denoiser} exactly as {@code denoise}
 * applies them, in this order:
 * <ol>
 *   <li>flip: μ̂ &lt; T → chosen and rejected swapped, μ̂ := −μ̂;</li>
 *   <li>drop: μ̂ ∈ [LO, HI] (after flipping) → pair removed;</li>
 *   <li>offset: Δ = min(Δ_max, max(0, s · μ̂)), ODPO's per-pair offset inside σ(βh − Δ);</li>
 *   <li>smoothing: ε = min(ε_max, σ(−μ̂)), the Bradley–Terry probability that the label is wrong when the ensemble's
 *       mean reward gap is μ̂ (the RMs' rewards are log-odds of preference); otherwise the constant ε of cDPO.</li>
 * </ol>
 */
public final class DpoPairs {
    private DpoPairs() {}

    /** One training pair: single-turn prompt, responses, offset Δ and smoothing ε; μ̂ NaN without strength. */
    public record Item(String id, String prompt, String chosen, String rejected, double delta, double eps, boolean flipped,
                       double strength) {}

    /**
     * @param flipBelow         flip pairs with μ̂ below this (NaN = off)
     * @param dropLow           lower edge of the dropped μ̂ band (NaN = off)
     * @param dropHigh          upper edge of the band
     * @param marginFromStrength Δ from μ̂ (otherwise 0)
     * @param marginScale       s in Δ = s · μ̂
     * @param marginMax         Δ_max
     * @param smoothingFromStrength ε from μ̂ (otherwise {@code smoothing} for every pair)
     * @param smoothingMax      ε_max
     * @param smoothing         the constant ε (cDPO), 0 = plain DPO
     */
    public record Denoising(double flipBelow, double dropLow, double dropHigh, boolean marginFromStrength, double marginScale,
                            double marginMax, boolean smoothingFromStrength, double smoothingMax, double smoothing) {
        public static Denoising none(double smoothing) {
            return new Denoising(Double.NaN, Double.NaN, Double.NaN, false, 1, 0, false, 0.5, smoothing);
        }

        public boolean needsStrength() {
            return !Double.isNaN(flipBelow) || !Double.isNaN(dropLow) || marginFromStrength || smoothingFromStrength;
        }

        @Override
        public String toString() {
            List<String> s = new ArrayList<>();
            if (!Double.isNaN(flipBelow)) s.add("flip μ̂ < " + flipBelow);
            if (!Double.isNaN(dropLow)) s.add("drop μ̂ in [" + dropLow + ", " + dropHigh + "]");
            if (marginFromStrength) s.add("Δ = min(" + marginMax + ", max(0, " + marginScale + "·μ̂))");
            s.add(smoothingFromStrength ? "ε = min(" + smoothingMax + ", σ(−μ̂))" : "ε = " + smoothing);
            return String.join(", ", s);
        }
    }

    /** The pairs kept and what was done. */
    public record Prepared(List<Item> items, int flipped, int dropped, double meanDelta, double meanEps) {}

    /** Prepares {@code pairs}; {@code strength} (pairs with μ̂) may be null when {@code d} needs none. */
    public static Prepared prepare(List<PreferencePair> pairs, List<PreferencePair> strength, Denoising d) {
        if (d.needsStrength() && strength == null) {
            throw new IllegalArgumentException("--flip-below, --drop-band, --margin-from-strength and --smoothing-from-strength need --strength");
        }
        List<PreferencePair> in = strength == null ? pairs : withStrength(pairs, strength);
        List<PreferencePair> out = in;
        int flipped = 0, dropped = 0;
        if (strength != null) {
            Denoiser.Outcome o = new Denoiser(0, d.flipBelow(), d.dropLow(), d.dropHigh(), d.marginScale(), true,
                    d.marginMax(), 0).apply(in);
            out = o.pairs();
            flipped = o.flipped();
            dropped = o.dropped();
        }
        List<Item> items = new ArrayList<>(out.size());
        double sumDelta = 0, sumEps = 0;
        for (PreferencePair p : out) {
            double mu = strength == null ? Double.NaN : StrengthEstimator.meanOf(p);
            double delta = d.marginFromStrength() ? p.number("margin").orElse(0) : 0;
            double eps = d.smoothingFromStrength() ? Math.min(d.smoothingMax(), 1 / (1 + Math.exp(mu))) : d.smoothing();
            boolean flip = p.record().path("denoise_flipped").asBoolean(false);
            items.add(new Item(p.id(), promptOf(p), p.chosen(), p.rejected(), delta, eps, flip, mu));
            sumDelta += delta;
            sumEps += eps;
        }
        return new Prepared(items, flipped, dropped, items.isEmpty() ? 0 : sumDelta / items.size(),
                items.isEmpty() ? 0 : sumEps / items.size());
    }

    /** The single user turn a policy reads (PolicyText renders one user turn). */
    static String promptOf(PreferencePair p) {
        List<Turn> t = p.prompt();
        if (t.size() != 1) {
            throw new IllegalArgumentException(p.file() + ":" + p.line() + ": DPO on a policy takes single-turn prompts, got "
                    + t.size() + " turns");
        }
        return t.get(0).content();
    }

    /** The pairs with the strength file's μ̂ and σ̂ written into their records, matched by id, else by order. */
    static List<PreferencePair> withStrength(List<PreferencePair> pairs, List<PreferencePair> strength) {
        Map<String, PreferencePair> byId = new HashMap<>();
        for (PreferencePair s : strength) byId.put(s.id(), s);
        boolean allIds = pairs.stream().allMatch(p -> byId.containsKey(p.id()));
        if (!allIds && strength.size() != pairs.size()) {
            throw new IllegalArgumentException("the strength file matches the pairs neither by id nor by length ("
                    + strength.size() + " against " + pairs.size() + ")");
        }
        List<PreferencePair> out = new ArrayList<>(pairs.size());
        for (int i = 0; i < pairs.size(); i++) {
            PreferencePair p = pairs.get(i);
            PreferencePair s = allIds ? byId.get(p.id()) : strength.get(i);
            if (!s.chosen().equals(p.chosen()) || !s.rejected().equals(p.rejected())) {
                throw new IllegalArgumentException("pair " + p.id() + ": its strength record has other responses (a strength "
                        + "file of other data, or already flipped by denoise?)");
            }
            if (s.number(StrengthEstimator.MEAN).isEmpty()) {
                throw new IllegalArgumentException("pair " + s.id() + " has no '" + StrengthEstimator.MEAN + "' in the strength file");
            }
            ObjectNode r = p.record().deepCopy();
            for (String f : List.of(StrengthEstimator.MEAN, StrengthEstimator.STD, StrengthEstimator.CHOSEN_SCORES,
                    StrengthEstimator.REJECTED_SCORES)) {
                if (s.record().has(f)) r.set(f, s.record().get(f));
            }
            out.add(p.withRecord(r));
        }
        return out;
    }
}
