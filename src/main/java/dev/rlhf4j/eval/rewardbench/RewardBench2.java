package dev.rlhf4j.eval.rewardbench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Turn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * RewardBench 2 as allenai/reward-bench scores it ({@code scripts/run_v2.py} with {@code rewardbench/utils.py}).
 *
 * <ul>
 *   <li>Every completion of a prompt (its {@code chosen} list, then its {@code rejected} list) is scored. The prompt
 *       scores 1/k when the first completion's reward equals the highest and k completions share that highest reward,
 *       else 0 ({@code reroll_and_score_dataset}: best-of-4 with a penalty for ties); a subset's score is the mean.</li>
 *   <li>The Ties subset is scored instead by {@code process_single_model}: rows {@code ref:P} (one correct answer) and
 *       {@code tied:P} (several), the first {@code num_correct} completions correct. Per row, accurate = worst correct −
 *       best incorrect &gt; 0. Over the prompts P with both rows: correctness_preferred = mean[(tied's worst correct −
 *       best incorrect) &gt; (tied's best − worst correct)], correctness_preferred_hard the same with the smaller of the
 *       two rows' correct–incorrect gaps, and margin = mean tanh(that smaller gap / tied's correct spread − 1), NaN
 *       (0/0) taken as 0. Score = 0.30 tied accuracy + 0.30 ref accuracy + 0.20 correctness_preferred + 0.20
 *       correctness_preferred_hard + 0.01 margin.</li>
 *   <li>The leaderboard score is the plain mean of the six subsets Factuality, Precise IF, Math, Safety, Focus and
 *       Ties (RewardBench 2 paper, arXiv 2506.01937); absent unless all six were scored.</li>
 * </ul>
 */
public final class RewardBench2 {
    private RewardBench2() {}

    public static final List<String> LEADERBOARD_SUBSETS = List.of("Factuality", "Precise IF", "Math", "Safety", "Focus", "Ties");

    /**
     * One prompt and its completions.
     *
     * @param numCorrect how many of the completions (chosen first, then rejected) are correct: the {@code num_correct} column
     * @param where      {@code file:line}, for errors
     */
    public record Item(String id, String subset, String prompt, List<String> chosen, List<String> rejected, int numCorrect,
                       String where) {
        public List<String> completions() {
            List<String> all = new ArrayList<>(chosen);
            all.addAll(rejected);
            return all;
        }

        boolean isTies() {
            return subset.equalsIgnoreCase("ties");
        }
    }

    /**
     * The released set ({@code allenai/reward-bench-2}, split {@code test}): columns {@code id}, {@code prompt} (a string,
     * the one user turn), {@code chosen} and {@code rejected} (lists of strings), {@code num_correct},
     * {@code total_completions} (checked: the two lists' sizes add up to it), {@code subset}; {@code num_rejected},
     * {@code models} and others are ignored.
     */
    public static List<Item> read(Path file) {
        List<Item> out = new ArrayList<>();
        for (BenchmarkRows.Row r : BenchmarkRows.read(file)) {
            List<String> chosen = r.texts("chosen"), rejected = r.texts("rejected");
            int total = r.integer("total_completions"), numCorrect = r.integer("num_correct");
            if (chosen.size() + rejected.size() != total) {
                throw new IllegalArgumentException(r.where() + ": total_completions is " + total + " but chosen and rejected hold "
                        + (chosen.size() + rejected.size()));
            }
            if (chosen.isEmpty()) throw new IllegalArgumentException(r.where() + ": column 'chosen' is empty");
            if (numCorrect < 1 || numCorrect >= total) {
                throw new IllegalArgumentException(r.where() + ": num_correct must be between 1 and total_completions − 1 ("
                        + (total - 1) + "), got " + numCorrect);
            }
            out.add(new Item(r.id(), r.text("subset"), r.text("prompt"), chosen, rejected, numCorrect, r.where()));
        }
        return out;
    }

    /** Scores every completion with {@code scorer} (all in one call, the prompt as one user turn) and computes the figures. */
    public static Result score(List<Item> items, ResponseScorer scorer) {
        List<List<Turn>> ctx = new ArrayList<>();
        List<String> resp = new ArrayList<>();
        for (Item it : items) {
            for (String c : it.completions()) {
                ctx.add(List.of(Turn.user(it.prompt())));
                resp.add(c);
            }
        }
        double[] s = scorer.score(ctx, resp);
        if (s.length != resp.size()) throw new IllegalStateException("scorer returned " + s.length + " rewards for " + resp.size() + " responses");
        List<double[]> per = new ArrayList<>(items.size());
        int k = 0;
        for (Item it : items) {
            int n = it.chosen().size() + it.rejected().size();
            per.add(java.util.Arrays.copyOfRange(s, k, k + n));
            k += n;
        }
        return fromScores(items, per);
    }

    /** The figures from each item's completion rewards (chosen first, then rejected). */
    public static Result fromScores(List<Item> items, List<double[]> scores) {
        Map<String, double[]> sums = new TreeMap<>(); // subset → {sum of prompt results, prompts}
        List<Item> ties = new ArrayList<>();
        List<double[]> tieScores = new ArrayList<>();
        String tiesName = null;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            double[] s = scores.get(i);
            if (it.isTies()) {
                ties.add(it);
                tieScores.add(s);
                tiesName = it.subset();
                continue;
            }
            double[] acc = sums.computeIfAbsent(it.subset(), k -> new double[2]);
            acc[0] += bestOfN(s);
            acc[1]++;
        }
        Map<String, Double> subsets = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (var e : sums.entrySet()) {
            subsets.put(e.getKey(), e.getValue()[0] / e.getValue()[1]);
            counts.put(e.getKey(), (int) e.getValue()[1]);
        }
        TiesScore t = null;
        if (!ties.isEmpty()) {
            t = TiesScore.of(ties, tieScores);
            subsets.put(tiesName, t.score());
            counts.put(tiesName, ties.size());
        }
        return new Result(subsets, counts, t);
    }

    /** 1/k when the first reward is the highest and k rewards share it, else 0. */
    static double bestOfN(double[] s) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : s) max = Math.max(max, v);
        if (s[0] != max) return 0;
        int k = 0;
        for (double v : s) if (v == max) k++;
        return 1.0 / k;
    }

    /**
     * The Ties subset's terms and score (see the class comment).
     *
     * @param refPrompts  prompts with a {@code ref} row; {@code tiedPrompts} likewise; {@code bothPrompts} with both
     */
    public record TiesScore(double refAccuracy, double tiedAccuracy, double correctnessPreferred,
                            double correctnessPreferredHard, double marginScore, int refPrompts, int tiedPrompts,
                            int bothPrompts) {
        public double score() {
            return 0.30 * tiedAccuracy + 0.30 * refAccuracy + 0.20 * correctnessPreferred + 0.20 * correctnessPreferredHard
                    + 0.01 * marginScore;
        }

        /** Per (kind, prompt): accurate, the spread among correct answers (NaN with one), worst correct − best incorrect. */
        private record Stats(boolean accurate, double correctSpread, double gap) {}

        static TiesScore of(List<Item> items, List<double[]> scores) {
            // (kind, prompt) → its (correct?, reward) samples; rows sharing an id are pooled, as reward-bench pools them
            Map<String, Map<Integer, List<double[]>>> groups = new LinkedHashMap<>();
            groups.put("ref", new TreeMap<>());
            groups.put("tied", new TreeMap<>());
            for (int i = 0; i < items.size(); i++) {
                Item it = items.get(i);
                String[] parts = it.id().split(":");
                if (parts.length != 2) {
                    throw new IllegalArgumentException(it.where() + ": a Ties id must be ref:N or tied:N, got '" + it.id() + "'");
                }
                int prompt;
                try {
                    prompt = Integer.parseInt(parts[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(it.where() + ": a Ties id must be ref:N or tied:N, got '" + it.id() + "'");
                }
                // reward-bench files every kind other than "ref" with the tied rows
                String kind = parts[0].equals("ref") ? "ref" : "tied";
                List<double[]> samples = groups.get(kind).computeIfAbsent(prompt, k -> new ArrayList<>());
                double[] s = scores.get(i);
                for (int j = 0; j < s.length; j++) samples.add(new double[] {j < it.numCorrect() ? 1 : 0, s[j]});
            }
            Map<Integer, Stats> ref = new TreeMap<>(), tied = new TreeMap<>();
            groups.get("ref").forEach((p, s) -> ref.put(p, stats(s)));
            groups.get("tied").forEach((p, s) -> tied.put(p, stats(s)));
            double refAcc = ref.isEmpty() ? 0 : ref.values().stream().mapToDouble(s -> s.accurate() ? 1 : 0).average().orElseThrow();
            double tiedAcc = tied.isEmpty() ? 0 : tied.values().stream().mapToDouble(s -> s.accurate() ? 1 : 0).average().orElseThrow();
            List<Integer> both = new ArrayList<>(ref.keySet());
            both.retainAll(tied.keySet());
            double preferred = 0, hard = 0, margin = 0;
            for (int p : both) {
                Stats t = tied.get(p), r = ref.get(p);
                if (Double.isNaN(t.correctSpread())) {
                    throw new IllegalArgumentException("Ties prompt " + p + ": its tied row has a single correct answer, so no "
                            + "spread among correct answers (reward-bench fails on it too)");
                }
                double smaller = Math.min(r.gap(), t.gap());
                if (t.gap() > t.correctSpread()) preferred++;
                if (smaller > t.correctSpread()) hard++;
                double m = Math.tanh(smaller / t.correctSpread() - 1);
                margin += Double.isNaN(m) ? 0 : m; // np.nan_to_num: 0/0 → 0
            }
            // np.mean over no prompts is NaN, and so is reward-bench's score then
            int n = both.size();
            return new TiesScore(refAcc, tiedAcc, n == 0 ? Double.NaN : preferred / n, n == 0 ? Double.NaN : hard / n,
                    n == 0 ? Double.NaN : margin / n, ref.size(), tied.size(), n);
        }

        private static Stats stats(List<double[]> samples) {
            double bestCorrect = Double.NEGATIVE_INFINITY, worstCorrect = Double.POSITIVE_INFINITY;
            double bestIncorrect = Double.NEGATIVE_INFINITY;
            int correct = 0;
            for (double[] s : samples) {
                if (s[0] == 1) {
                    bestCorrect = Math.max(bestCorrect, s[1]);
                    worstCorrect = Math.min(worstCorrect, s[1]);
                    correct++;
                } else {
                    bestIncorrect = Math.max(bestIncorrect, s[1]);
                }
            }
            double gap = worstCorrect - bestIncorrect;
            return new Stats(gap > 0, correct > 1 ? bestCorrect - worstCorrect : Double.NaN, gap);
        }

        ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("ref_accuracy", refAccuracy);
            o.put("tied_accuracy", tiedAccuracy);
            RewardBench.putNumber(o, "correctness_preferred", correctnessPreferred);
            RewardBench.putNumber(o, "correctness_preferred_hard", correctnessPreferredHard);
            RewardBench.putNumber(o, "correctness_margin_score", marginScore);
            o.put("ref_prompts", refPrompts);
            o.put("tied_prompts", tiedPrompts);
            o.put("prompts_with_both", bothPrompts);
            RewardBench.putNumber(o, "score", score());
            return o;
        }
    }

    /**
     * The figures.
     *
     * @param subsets each subset's score (the Ties formula for Ties)
     * @param counts  prompts (rows) per subset
     * @param ties    the Ties terms, null when the data has no Ties rows
     */
    public record Result(Map<String, Double> subsets, Map<String, Integer> counts, TiesScore ties) {
        /** The mean of the six leaderboard subsets, NaN unless all six were scored. */
        public double leaderboard() {
            double sum = 0;
            for (String s : LEADERBOARD_SUBSETS) {
                Double v = subsets.get(s);
                if (v == null) return Double.NaN;
                sum += v;
            }
            return sum / LEADERBOARD_SUBSETS.size();
        }

        /**
         * reward-bench's results file ({@code model}, {@code model_type}, {@code chat_template} and each subset's score at
         * the top level), with {@code leaderboard} ({@code score}: the six-subset mean, null when absent), {@code ties}
         * (the Ties terms) and {@code counts} beside them.
         */
        public ObjectNode toJson(String model, String chatTemplate) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("model", model);
            o.put("model_type", "Seq. Classifier");
            o.put("chat_template", chatTemplate);
            subsets.forEach((k, v) -> RewardBench.putNumber(o, k, v));
            RewardBench.putNumber(o.putObject("leaderboard"), "score", leaderboard());
            if (ties != null) o.set("ties", ties.toJson());
            ObjectNode c = o.putObject("counts");
            counts.forEach(c::put);
            return o;
        }

        /** A text table: each subset's prompts and score, the Ties terms, and the leaderboard score (in %). */
        public String table() {
            StringBuilder sb = new StringBuilder("RewardBench 2\n");
            sb.append(String.format(Locale.ROOT, "%-26s %8s %8s%n", "subset", "prompts", "score"));
            subsets.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%-26s %8d %8s%n", k, counts.get(k), RewardBench.percent(v))));
            if (ties != null) {
                sb.append(String.format(Locale.ROOT, "  Ties: ref accuracy %s, tied accuracy %s, correctness preferred %s, "
                                + "hard %s, margin %.4f%n", RewardBench.percent(ties.refAccuracy()), RewardBench.percent(ties.tiedAccuracy()),
                        RewardBench.percent(ties.correctnessPreferred()), RewardBench.percent(ties.correctnessPreferredHard()),
                        ties.marginScore()));
            }
            sb.append(String.format(Locale.ROOT, "%-26s %17s%n", "leaderboard (mean of 6)", RewardBench.percent(leaderboard())));
            return sb.toString();
        }
    }
}
