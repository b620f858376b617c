package dev.rlhf4j.synth;

import dev.rlhf4j.text.Tokenizer;
import dev.rlhf4j.text.WordPieceVocabulary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RlSetsTest {

    @Test
    @Tag("slow") // slow tier: generates the full-size RL sets twice
    void heldOutPromptsNeverAppearInTrainPromptsOrDemonstrations() {
        RlSets.Sets s = RlSets.generate(700, 300, 1400, 7);
        assertThat(s.train()).hasSize(700);
        assertThat(s.heldout()).hasSize(300);
        assertThat(s.sft()).hasSize(1400);
        Set<String> held = new HashSet<>();
        for (RlSets.Prompt p : s.heldout()) held.add(p.prompt());
        assertThat(held).hasSizeGreaterThan(150); // distinct within the set while a family has unseen prompts
        for (RlSets.Prompt p : s.train()) assertThat(held).doesNotContain(p.prompt());
        for (RlSets.Demonstration d : s.sft()) assertThat(held).doesNotContain(d.prompt());
        // Every family in equal shares, demonstrations of mixed quality.
        long harmful = s.heldout().stream().filter(p -> p.family() == Family.HARMFUL).count();
        assertThat(harmful).isBetween(42L, 43L);
        double min = s.sft().stream().mapToDouble(RlSets.Demonstration::gold).min().orElseThrow();
        double max = s.sft().stream().mapToDouble(RlSets.Demonstration::gold).max().orElseThrow();
        assertThat(min).isLessThan(-1);
        assertThat(max).isGreaterThan(2);
        // The same seed gives the same sets.
        assertThat(RlSets.generate(700, 300, 1400, 7)).isEqualTo(s);
    }

    @Test
    void wordPieceVocabularyRoundTripsTheTaskLanguageAndKeepsGold() {
        List<String> corpus = RlSets.corpus(300, 1);
        byte[] json = WordPieceVocabulary.tokenizerJson(corpus, 1);
        try (Tokenizer tok = Tokenizer.fromBytes(json, "test")) {
            assertThat(tok.idOf("<pad>")).isZero();
            assertThat(tok.idOf("</s>")).isEqualTo(3);
            assertThat(tok.vocabularySize()).isBetween(200, 5000);
            GoldReward gold = new GoldReward();
            RlSets.Sets s = RlSets.generate(10, 10, 400, 3);
            int same = 0;
            long tokens = 0;
            for (RlSets.Demonstration d : s.sft()) {
                int[] ids = tok.encode(d.response());
                tokens += ids.length;
                assertThat(ids).doesNotContain(tok.idOf("<unk>"));
                String back = tok.decode(ids);
                if (gold.score(d.prompt(), back) == d.gold()) same++;
            }
            // Decoding normalises spacing only: the gold reward of a decoded response is that of the original.
            assertThat(same).isEqualTo(s.sft().size());
            assertThat(tokens / (double) s.sft().size()).isLessThan(40);
            // Numbers are spelled digit by digit.
            assertThat(tok.encode("42")).hasSize(2);
        }
    }

    @Test
    void biasNoiseFlipsOnlyPairsWithTheFeature() {
        SynthConfig cfg = SynthConfig.defaults().withPairs(1400).withNoise(NoiseModel.LENGTH);
        List<dev.rlhf4j.data.PreferencePair> pairs = SyntheticTask.generate(cfg);
        int flipped = 0;
        for (var p : pairs) {
            if (p.record().path("flipped").asBoolean()) {
                flipped++;
                // After the flip the chosen response is the longer one.
                assertThat(p.chosen().length()).isGreaterThan(p.rejected().length());
            }
        }
        assertThat(flipped).isEqualTo(280);
        List<dev.rlhf4j.data.PreferencePair> comp = SyntheticTask.generate(cfg.withNoise(NoiseModel.COMPLIANCE));
        int f2 = 0;
        for (var p : comp) {
            if (p.record().path("flipped").asBoolean()) {
                f2++;
                assertThat(p.record().path("family").asText()).isEqualTo("harmful");
                assertThat(GoldReward.refuses(p.chosen())).isFalse();
                assertThat(GoldReward.refuses(p.rejected())).isTrue();
            }
        }
        assertThat(f2).isPositive().isLessThanOrEqualTo(280);
        // The uniform model still gives the files of earlier versions.
        assertThat(SyntheticTask.toJsonLines(SyntheticTask.generate(SynthConfig.defaults().withPairs(50))))
                .isEqualTo(SyntheticTask.toJsonLines(SyntheticTask.generate(
                        new SynthConfig(50, 0.2, 0.25, 42, List.of()))));
    }
}
