package dev.rlhf4j.synth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.PreferencePair;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Summary of a synthetic set, read from the records' truth fields ({@code family},
 * {@code gold_chosen}, {@code gold_rejected}, {@code flipped}).
 *
 * @param pairs              number of pairs
 * @param perFamily          pairs per family
 * @param flippedFraction    share flipped on purpose
 * @param labelAgreesGold    share whose given label agrees with gold (gold_chosen &gt; gold_rejected)
 * @param bayesAgreement     share whose sampled label, before flipping, was the gold argmax
 *                           (the best accuracy any model could reach on the unflipped labels)
 * @param longerWinsGold     among pairs of different length (characters): share where the longer
 *                           response has the higher gold reward = accuracy of "longer wins"
 * @param shorterWinsGold    accuracy of "shorter wins" (1 − longerWinsGold)
 * @param longerChosen       among pairs of different length: share where the longer is labelled chosen
 * @param longerWinsByFamily longerWinsGold per family
 * @param meanAbsGoldGap     mean |gold_chosen − gold_rejected|
 * @param ties               pairs with equal gold rewards (0 for generated sets)
 */
public record SynthStats(int pairs, Map<String, Integer> perFamily, double flippedFraction,
                         double labelAgreesGold, double bayesAgreement, double longerWinsGold,
                         double shorterWinsGold, double longerChosen, Map<String, Double> longerWinsByFamily,
                         double meanAbsGoldGap, int ties) {

    public static SynthStats of(List<PreferencePair> pairs) {
        Map<String, Integer> fam = new TreeMap<>();
        Map<String, int[]> famLen = new TreeMap<>();
        int flipped = 0, agree = 0, bayes = 0, diffLen = 0, longerWins = 0, longerChosen = 0, ties = 0;
        double gap = 0;
        for (PreferencePair p : pairs) {
            JsonNode f = p.record().get("family");
            String family = f == null ? "unknown" : f.asText();
            fam.merge(family, 1, Integer::sum);
            double gc = p.number("gold_chosen").orElse(Double.NaN);
            double gr = p.number("gold_rejected").orElse(Double.NaN);
            boolean fl = p.record().path("flipped").asBoolean(false);
            boolean ag = gc > gr;
            flipped += fl ? 1 : 0;
            agree += ag ? 1 : 0;
            bayes += ag != fl ? 1 : 0;
            ties += gc == gr ? 1 : 0;
            gap += Math.abs(gc - gr);
            int lc = p.chosen().length();
            int lr = p.rejected().length();
            if (lc != lr && gc != gr) {
                diffLen++;
                boolean longerIsChosen = lc > lr;
                boolean lw = longerIsChosen == ag;
                longerWins += lw ? 1 : 0;
                longerChosen += longerIsChosen ? 1 : 0;
                int[] c = famLen.computeIfAbsent(family, k -> new int[2]);
                c[0] += lw ? 1 : 0;
                c[1]++;
            }
        }
        int n = pairs.size();
        Map<String, Double> byFam = new TreeMap<>();
        famLen.forEach((k, c) -> byFam.put(k, c[1] == 0 ? Double.NaN : (double) c[0] / c[1]));
        double lw = diffLen == 0 ? Double.NaN : (double) longerWins / diffLen;
        return new SynthStats(n, Map.copyOf(fam), ratio(flipped, n), ratio(agree, n), ratio(bayes, n), lw, 1 - lw,
                diffLen == 0 ? Double.NaN : (double) longerChosen / diffLen, Map.copyOf(byFam),
                n == 0 ? Double.NaN : gap / n, ties);
    }

    private static double ratio(int a, int n) {
        return n == 0 ? Double.NaN : (double) a / n;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "pairs %d, per family %s%n", pairs, new TreeMap<>(perFamily)));
        sb.append(String.format(Locale.ROOT,
                "flipped %.4f, label agrees with gold %.4f, pre-flip (Bayes) agreement %.4f%n",
                flippedFraction, labelAgreesGold, bayesAgreement));
        sb.append(String.format(Locale.ROOT,
                "longer wins gold %.4f, shorter wins gold %.4f, longer labelled chosen %.4f%n",
                longerWinsGold, shorterWinsGold, longerChosen));
        sb.append("longer wins by family ");
        new TreeMap<>(longerWinsByFamily).forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%s=%.3f ", k, v)));
        sb.append(String.format(Locale.ROOT, "%nmean |gold gap| %.3f, ties %d", meanAbsGoldGap, ties));
        return sb.toString();
    }
}
