package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import dev.rlhf4j.SharedFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each generated row draws from its own stream (seed, prompt, sample index): one row cannot move another, and the
 * batch's composition and order do not change a row's sample. The prompts have the same token count, so the batch's
 * left padding is the same in every variant and the rows' logits are too.
 */
class GeneratorRowStreamsTest {
    static CausalLm lm;
    /** Sampling at temperature 1 over all tokens: a random tiny model's near-flat logits give varied answers. */
    static final GenerationConfig SAMPLING = new GenerationConfig(8, false, 1.0, 0, 1.0, 1.0, List.of(), false, true, 17);

    @BeforeAll
    static void load() {
        lm = CausalLm.load(SharedFiles.get("models/hf-tiny/llama"), Device.cpu());
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    private static List<int[]> prompts(String... texts) {
        List<int[]> ids = new ArrayList<>();
        for (String t : texts) ids.add(lm.encode(t));
        int n = ids.get(0).length;
        for (int[] p : ids) assertThat(p).as("the test's prompts must have one token count").hasSize(n);
        return ids;
    }

    private static List<int[]> samples(List<int[]> prompts, GenerationConfig cfg) {
        List<int[]> out = new ArrayList<>();
        for (Generator.Generation g : new Generator(lm).generate(prompts, cfg).generations()) out.add(g.newIds());
        return out;
    }

    @Test
    void changingOnePromptLeavesEveryOtherRowsSample() {
        List<int[]> base = samples(prompts("one two", "three four", "five six", "seven eight"), SAMPLING);
        List<int[]> changed = samples(prompts("one two", "nine ten", "five six", "seven eight"), SAMPLING);
        for (int r : new int[] {0, 2, 3}) assertThat(changed.get(r)).as("row %d", r).containsExactly(base.get(r));
        assertThat(changed.get(1)).isNotEqualTo(base.get(1));
        // Rows differ from each other (their streams are not one shared sequence restarted).
        assertThat(base.get(0)).isNotEqualTo(base.get(2));
    }

    @Test
    void orderAndCompositionOfTheBatchDoNotChangeARowsSample() {
        List<int[]> base = samples(prompts("one two", "three four", "five six"), SAMPLING);
        List<int[]> reversed = samples(prompts("five six", "three four", "one two"), SAMPLING);
        assertThat(reversed.get(0)).containsExactly(base.get(2));
        assertThat(reversed.get(1)).containsExactly(base.get(1));
        assertThat(reversed.get(2)).containsExactly(base.get(0));
        List<int[]> alone = samples(prompts("three four"), SAMPLING);
        assertThat(alone.get(0)).containsExactly(base.get(1));
    }

    @Test
    void repeatedPromptsDrawDistinctAnswersNumberedOverTheCall() {
        // k answers to one prompt: sample indices 0, 1, 2; the same answers whichever rows sit between them.
        List<int[]> three = samples(prompts("one two", "one two", "one two"), SAMPLING);
        assertThat(three.get(0)).isNotEqualTo(three.get(1));
        assertThat(three.get(1)).isNotEqualTo(three.get(2));
        List<int[]> mixed = samples(prompts("one two", "five six", "one two", "one two"), SAMPLING);
        assertThat(mixed.get(0)).containsExactly(three.get(0));
        assertThat(mixed.get(2)).containsExactly(three.get(1));
        assertThat(mixed.get(3)).containsExactly(three.get(2));
        // Split over two calls with the indices counted over the whole set: the same answers.
        List<int[]> ids = prompts("one two", "one two", "one two");
        Generator g = new Generator(lm);
        int[] second = g.generate(ids.subList(2, 3), new int[] {2}, SAMPLING).generations().get(0).newIds();
        assertThat(second).containsExactly(three.get(2));
        // Another seed, other samples.
        assertThat(samples(ids, new GenerationConfig(8, false, 1.0, 0, 1.0, 1.0, List.of(), false, true, 18)).get(0))
                .isNotEqualTo(three.get(0));
    }

    @Test
    void rowStreamIsAFunctionOfSeedPromptAndIndex() {
        int[] p = {5, 6, 7};
        assertThat(Generator.rowStream(1, p, 0).nextLong()).isEqualTo(Generator.rowStream(1, p.clone(), 0).nextLong());
        long base = Generator.rowStream(1, p, 0).nextLong();
        assertThat(Generator.rowStream(2, p, 0).nextLong()).isNotEqualTo(base);
        assertThat(Generator.rowStream(1, p, 1).nextLong()).isNotEqualTo(base);
        assertThat(Generator.rowStream(1, new int[] {5, 6, 8}, 0).nextLong()).isNotEqualTo(base);
        assertThat(Generator.rowStream(1, new int[] {5, 6, 7, 0}, 0).nextLong()).isNotEqualTo(base);
        assertThat(Generator.occurrences(List.of(p, new int[] {1}, p.clone(), p))).containsExactly(0, 0, 1, 2);
    }
}
