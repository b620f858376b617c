package dev.rlhf4j.synth;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticTaskTest {
    private static List<PreferencePair> defaults;
    private static long defaultMillis;

    @BeforeAll
    static void generateDefaultSet() {
        long t0 = System.nanoTime();
        defaults = SyntheticTask.generate(SynthConfig.defaults());
        defaultMillis = (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentSet(@TempDir Path dir) throws Exception {
        SynthConfig c = SynthConfig.defaults().withPairs(300).withSeed(7);
        List<String> a = SyntheticTask.toJsonLines(SyntheticTask.generate(c));
        List<String> b = SyntheticTask.toJsonLines(SyntheticTask.generate(c));
        assertThat(a).isEqualTo(b);
        assertThat(SyntheticTask.toJsonLines(SyntheticTask.generate(c.withSeed(8)))).isNotEqualTo(a);
        Path f1 = dir.resolve("a.jsonl");
        Path f2 = dir.resolve("b.jsonl");
        SyntheticTask.write(SyntheticTask.generate(c), f1);
        SyntheticTask.write(SyntheticTask.generate(c), f2);
        assertThat(Files.readAllBytes(f1)).isEqualTo(Files.readAllBytes(f2));
        assertThat(Files.readAllLines(f1)).isEqualTo(a);
    }

    @Test
    void exactlyRoundedShareIsFlipped() {
        assertThat(flips(defaults)).isEqualTo(400);
        assertThat(flips(SyntheticTask.generate(SynthConfig.defaults().withPairs(333)))).isEqualTo(67);
        assertThat(flips(SyntheticTask.generate(SynthConfig.defaults().withPairs(50).withFlipRate(0)))).isZero();
        assertThat(flips(SyntheticTask.generate(SynthConfig.defaults().withPairs(50).withFlipRate(1)))).isEqualTo(50);
    }

    @Test
    void atTemperatureZeroFlippedIsExactlyGoldDisagreement() {
        List<PreferencePair> ps = SyntheticTask.generate(SynthConfig.defaults().withPairs(500).withTemperature(0).withSeed(3));
        for (PreferencePair p : ps) {
            assertThat(gc(p) < gr(p)).as(p.id()).isEqualTo(flipped(p));
        }
        assertThat(flips(ps)).isEqualTo(100);
    }

    @Test
    void withSamplingFlippedPairsMostlyDisagreeWithGold() {
        // a Bradley-Terry label may itself be against gold, so only the rates are guaranteed
        List<PreferencePair> fl = defaults.stream().filter(SyntheticTaskTest::flipped).toList();
        List<PreferencePair> kept = defaults.stream().filter(p -> !flipped(p)).toList();
        double flAgainst = fl.stream().filter(p -> gc(p) < gr(p)).count() / (double) fl.size();
        double keptWith = kept.stream().filter(p -> gc(p) > gr(p)).count() / (double) kept.size();
        assertThat(flAgainst).isGreaterThan(0.8);
        assertThat(keptWith).isGreaterThan(0.8);
        SynthStats st = SynthStats.of(defaults);
        assertThat(st.bayesAgreement()).isBetween(0.93, 0.98);
        assertThat(st.labelAgreesGold()).isBetween(0.73, 0.82);
        assertThat(st.flippedFraction()).isEqualTo(0.2);
    }

    @Test
    void cleanTestSetIsGoldArgmax() {
        List<PreferencePair> ps = SyntheticTask.generate(SynthConfig.cleanTest(400, 99));
        assertThat(ps).allSatisfy(p -> {
            assertThat(flipped(p)).isFalse();
            assertThat(gc(p)).isGreaterThan(gr(p));
        });
    }

    @Test
    void allFamiliesPresentInEqualSharesAndNoTies() {
        SynthStats st = SynthStats.of(defaults);
        assertThat(st.perFamily().keySet())
                .isEqualTo(EnumSet.allOf(Family.class).stream().map(Family::id).collect(Collectors.toSet()));
        assertThat(st.perFamily().values()).allSatisfy(n -> assertThat(n).isBetween(285, 286));
        assertThat(st.ties()).isZero();
        assertThat(defaults).allSatisfy(p -> assertThat(gc(p)).isNotEqualTo(gr(p)));

        List<PreferencePair> two = SyntheticTask.generate(
                SynthConfig.defaults().withPairs(40).withFamilies(List.of(Family.FACTS, Family.HARMFUL)));
        Set<String> fams = two.stream().map(p -> p.record().get("family").asText()).collect(Collectors.toSet());
        assertThat(fams).containsExactlyInAnyOrder("facts", "harmful");
    }

    @Test
    void lengthDoesNotPredictGold() {
        SynthStats st = SynthStats.of(defaults);
        System.out.println(st);
        System.out.println("default set (2000 pairs) generated in " + defaultMillis + " ms");
        assertThat(st.longerWinsGold()).isBetween(0.35, 0.65);
        assertThat(st.shorterWinsGold()).isBetween(0.35, 0.65);
        assertThat(st.longerChosen()).isBetween(0.35, 0.65);
        assertThat(st.longerWinsByFamily().values()).allSatisfy(v -> assertThat(v).isBetween(0.3, 0.7));
        SynthStats clean = SynthStats.of(SyntheticTask.generate(SynthConfig.cleanTest(2000, 1234)));
        assertThat(clean.longerWinsGold()).isBetween(0.35, 0.65);
    }

    @Test
    void goldIsRecomputableFromTheTexts() {
        GoldReward gold = new GoldReward();
        assertThat(defaults).allSatisfy(p -> {
            String prompt = p.prompt().get(0).content();
            assertThat(gold.score(prompt, p.chosen())).as(p.id()).isEqualTo(gc(p));
            assertThat(gold.score(prompt, p.rejected())).as(p.id()).isEqualTo(gr(p));
            assertThat(GoldReward.familyOf(prompt).id()).isEqualTo(p.record().get("family").asText());
        });
    }

    @Test
    void recordsAndPairsAreWellFormedAndShort() {
        for (int i = 0; i < defaults.size(); i++) {
            PreferencePair p = defaults.get(i);
            ObjectNode r = p.record();
            assertThat(p.id()).isEqualTo(String.format("synth-%06d", i + 1)).isEqualTo(r.get("id").asText());
            assertThat(p.prompt()).containsExactly(Turn.user(r.get("prompt").asText()));
            assertThat(p.chosen()).isEqualTo(r.get("chosen").asText()).isNotEqualTo(p.rejected());
            assertThat(p.rejected()).isEqualTo(r.get("rejected").asText());
            assertThat(p.file()).isEqualTo("synth");
            assertThat(p.line()).isEqualTo(i + 1);
            assertThat(r.get("flipped").isBoolean()).isTrue();
            assertThat(p.number("gold_chosen")).isPresent();
            assertThat(GoldReward.wordCount(r.get("prompt").asText())).isLessThanOrEqualTo(20);
            assertThat(GoldReward.wordCount(p.chosen())).isLessThanOrEqualTo(40);
            assertThat(GoldReward.wordCount(p.rejected())).isLessThanOrEqualTo(40);
        }
        assertThat(defaults.stream().map(p -> p.prompt().get(0).content()).distinct().count()).isGreaterThan(500);
        assertThat(defaults.stream().map(PreferencePair::chosen).distinct().count()).isGreaterThan(1000);
    }

    @Test
    void invalidConfigsAreRejected() {
        assertThatThrownBy(() -> new SynthConfig(0, 0.2, 1, 1, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SynthConfig.defaults().withFlipRate(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SynthConfig.defaults().withTemperature(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(SynthConfig.defaults().families()).containsExactly(Family.values());
    }

    private static long flips(List<PreferencePair> ps) {
        return ps.stream().filter(SyntheticTaskTest::flipped).count();
    }

    private static boolean flipped(PreferencePair p) {
        return p.record().get("flipped").asBoolean();
    }

    private static double gc(PreferencePair p) {
        return p.number("gold_chosen").orElseThrow();
    }

    private static double gr(PreferencePair p) {
        return p.number("gold_rejected").orElseThrow();
    }
}
