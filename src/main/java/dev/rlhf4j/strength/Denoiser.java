package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Denoising by preference strength (paper §3). Composes three independent steps over pairs that
 * carry μ̂ ({@code mean preference difference}):
 * <ol>
 *   <li>flip: swap chosen/rejected of the lowest-μ̂ fraction, or of pairs with μ̂ below a threshold
 *       (their μ̂ and score lists are negated with them);</li>
 *   <li>drop: remove pairs whose μ̂ lies in an ambiguous band [lo, hi];</li>
 *   <li>attach: {@code margin} = clip(scale · μ̂) for margin losses and {@code label_smoothing} = α on
 *       pairs whose μ̂ is still negative (0 elsewhere) for the soft-label loss.</li>
 * </ol>
 * Every written pair records what was done to it ({@code denoise_flipped}).
 *
 * @param flipFraction   flip the bottom fraction by μ̂ (0 = none; the paper's appendix uses 0.1, its main text 0.2)
 * @param flipBelow      flip pairs with μ̂ below this (NaN = off); combined with flipFraction by union
 * @param dropLow        lower edge of the dropped band (NaN = no band)
 * @param dropHigh       upper edge of the dropped band
 * @param marginScale    margin = marginScale · μ̂
 * @param marginClipZero clip negative margins to 0 (otherwise a negative margin lets a doubtful pair keep Δ &lt; 0)
 * @param marginMax      clip margins to [−marginMax, marginMax] (the paper: margins should stay relatively small)
 * @param smoothNegative α written as {@code label_smoothing} on pairs with μ̂ &lt; 0
 */
public record Denoiser(double flipFraction, double flipBelow, double dropLow, double dropHigh, double marginScale,
                       boolean marginClipZero, double marginMax, double smoothNegative) {

    public static Denoiser defaults() {
        return new Denoiser(0.0, Double.NaN, Double.NaN, Double.NaN, 1.0, false, 4.0, 0.1);
    }

    /** What was done, for the summary. */
    public record Outcome(List<PreferencePair> pairs, int flipped, int dropped, int smoothed, double meanMargin) {
        public List<ObjectNode> records() {
            return pairs.stream().map(PreferencePair::record).toList();
        }
    }

    public Outcome apply(List<PreferencePair> in) {
        int n = in.size();
        double[] mu = new double[n];
        for (int i = 0; i < n; i++) mu[i] = StrengthEstimator.meanOf(in.get(i));
        boolean[] flip = new boolean[n];
        if (flipFraction > 0) {
            Integer[] order = StrengthSummary.sortedByMean(mu);
            int k = (int) Math.round(flipFraction * n);
            for (int j = 0; j < k; j++) flip[order[j]] = true;
        }
        if (!Double.isNaN(flipBelow)) {
            for (int i = 0; i < n; i++) flip[i] |= mu[i] < flipBelow;
        }
        List<PreferencePair> out = new ArrayList<>(n);
        int flipped = 0, dropped = 0, smoothed = 0;
        double marginSum = 0;
        for (int i = 0; i < n; i++) {
            PreferencePair p = in.get(i);
            double m = mu[i];
            if (flip[i]) {
                p = p.swapped();
                m = -m;
                ObjectNode r = p.record();
                r.put(StrengthEstimator.MEAN, m);
                var c = r.get(StrengthEstimator.CHOSEN_SCORES);
                var rj = r.get(StrengthEstimator.REJECTED_SCORES);
                if (c != null && rj != null) {
                    r.set(StrengthEstimator.CHOSEN_SCORES, rj);
                    r.set(StrengthEstimator.REJECTED_SCORES, c);
                }
                if (r.has("gold_chosen") && r.has("gold_rejected")) {
                    var gc = r.get("gold_chosen");
                    r.set("gold_chosen", r.get("gold_rejected"));
                    r.set("gold_rejected", gc);
                }
                flipped++;
            }
            if (!Double.isNaN(dropLow) && m >= dropLow && m <= dropHigh) {
                dropped++;
                continue;
            }
            ObjectNode r = p.record().deepCopy();
            double margin = marginScale * m;
            if (marginClipZero) margin = Math.max(0, margin);
            margin = Math.max(-marginMax, Math.min(marginMax, margin));
            r.put("margin", margin);
            double alpha = m < 0 ? smoothNegative : 0.0;
            if (alpha > 0) smoothed++;
            r.put("label_smoothing", alpha);
            r.put("denoise_flipped", flip[i]);
            marginSum += margin;
            out.add(p.withRecord(r));
        }
        return new Outcome(out, flipped, dropped, smoothed, out.isEmpty() ? 0 : marginSum / out.size());
    }

    @Override
    public String toString() {
        return "flip fraction " + flipFraction + (Double.isNaN(flipBelow) ? "" : ", flip below " + flipBelow)
                + (Double.isNaN(dropLow) ? "" : ", drop " + Arrays.toString(new double[] {dropLow, dropHigh}))
                + ", margin = " + marginScale + "·μ̂" + (marginClipZero ? " clipped at 0" : "") + " capped at " + marginMax
                + ", label smoothing " + smoothNegative + " on μ̂ < 0";
    }
}
