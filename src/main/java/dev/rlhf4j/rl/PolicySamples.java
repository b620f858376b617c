package dev.rlhf4j.rl;

import ai.djl.Device;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.decoder.Generator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * k answers of a policy to each prompt. Every answer draws from its own random stream, a hash of (seed, prompt ids,
 * sample index) ({@link Generator#rowStream}), where the sample index of answer j to the o-th occurrence of a prompt
 * in the list is o · k + j: two policies given the same seed (and one tokenizer) draw each answer with the same
 * stream, so their answers are paired samples, and no answer depends on the batch it falls in.
 */
public final class PolicySamples {
    static final int BATCH = 64;

    private PolicySamples() {}

    /** The distinct prompts, in first-seen order (the unit a bootstrap resamples). */
    public static List<String> distinct(List<String> prompts) {
        return List.copyOf(new LinkedHashSet<>(prompts));
    }

    /** {@code out.get(j).get(i)}: sample j of prompt i, for j &lt; k. */
    public static List<List<String>> sample(Path policy, List<String> prompts, int k, GenerationConfig gen, int maxPromptTokens,
                                            Device device) {
        if (k < 1) throw new IllegalArgumentException("samples per prompt must be ≥ 1, got " + k);
        try (CausalLm lm = Policies.load(Judging.policyOf(policy), device)) {
            PolicyText text = new PolicyText(lm, maxPromptTokens);
            Generator g = new Generator(lm);
            List<int[]> ids = new ArrayList<>(prompts.size());
            for (String p : prompts) ids.add(text.prompt(p));
            int[] occurrence = Generator.occurrences(ids);
            GenerationConfig cfg = new GenerationConfig(gen.maxNewTokens(), gen.greedy(), gen.temperature(), gen.topK(),
                    gen.topP(), gen.repetitionPenalty(), gen.stopStrings(), true, true, gen.seed());
            List<List<String>> out = new ArrayList<>(k);
            for (int j = 0; j < k; j++) {
                List<String> answers = new ArrayList<>(prompts.size());
                for (int s = 0; s < prompts.size(); s += BATCH) {
                    int e = Math.min(ids.size(), s + BATCH);
                    int[] sample = new int[e - s];
                    for (int i = s; i < e; i++) sample[i - s] = occurrence[i] * k + j;
                    for (Generator.Generation x : g.generate(ids.subList(s, e), sample, cfg).generations()) answers.add(x.text());
                }
                out.add(answers);
            }
            return out;
        }
    }

    /** The samples per prompt: {@code perPrompt.get(i).get(j)} is sample j of prompt i. */
    public static List<List<String>> byPrompt(List<List<String>> bySample) {
        int n = bySample.isEmpty() ? 0 : bySample.get(0).size();
        List<List<String>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<String> row = new ArrayList<>(bySample.size());
            for (List<String> s : bySample) row.add(s.get(i));
            out.add(row);
        }
        return out;
    }

    /**
     * {@code out[i][j]}: the score of sample j of prompt i ({@code byPrompt.get(i).get(j)}), in one call of the
     * function over every answer. A score that is NaN (gold on a prompt outside the controlled task) is an error.
     */
    public static double[][] score(RewardFunction f, List<String> prompts, List<List<String>> byPrompt) {
        List<String> ps = new ArrayList<>(), rs = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            for (String r : byPrompt.get(i)) {
                ps.add(prompts.get(i));
                rs.add(r);
            }
        }
        double[] flat = f.score(ps, rs);
        double[][] out = new double[prompts.size()][];
        int at = 0;
        for (int i = 0; i < prompts.size(); i++) {
            out[i] = new double[byPrompt.get(i).size()];
            for (int j = 0; j < out[i].length; j++, at++) {
                if (Double.isNaN(flat[at])) throw new IllegalArgumentException(f.name() + " cannot score prompt " + (i + 1) + ": " + prompts.get(i));
                out[i][j] = flat[at];
            }
        }
        return out;
    }

    /** {@link #score} by the controlled task's gold reward. */
    public static double[][] gold(List<String> prompts, List<List<String>> byPrompt) {
        try (GoldRewardFunction g = new GoldRewardFunction()) {
            return score(g, prompts, byPrompt);
        }
    }
}
