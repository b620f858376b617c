package dev.rlhf4j.eval.rewardbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Turn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * RewardBench v1 and v2 figures on hand-built fixtures ({@code src/test/resources/rewardbench}) whose every response
 * ends in {@code score=X}: a fake scorer reads X, so each expected figure below is the formula applied by hand.
 */
class RewardBenchTest {
    static final double EPS = 1e-12;

    /** Reads the reward a fixture response states; records what it was asked, to check the dialogue it was given. */
    static final class FakeScorer implements ResponseScorer {
        final List<List<Turn>> contexts = new ArrayList<>();
        final List<String> responses = new ArrayList<>();

        @Override
        public double[] score(List<List<Turn>> ctx, List<String> resp) {
            contexts.addAll(ctx);
            responses.addAll(resp);
            double[] out = new double[resp.size()];
            for (int i = 0; i < out.length; i++) {
                String r = resp.get(i);
                out[i] = Double.parseDouble(r.substring(r.lastIndexOf("score=") + 6));
            }
            return out;
        }
    }

    static Path fixture(String name) throws Exception {
        return Path.of(RewardBenchTest.class.getResource("/rewardbench/" + name).toURI());
    }

    static List<RewardBench.Item> v1Items(boolean withPrior) throws Exception {
        List<RewardBench.Item> items = new ArrayList<>(RewardBench.readCore(fixture("v1/filtered.jsonl")));
        if (withPrior) {
            for (String f : List.of("anthropic_helpful.jsonl", "shp-00000-of-00001.jsonl", "anthropic_harmless.jsonl", "pku_safer.jsonl")) {
                items.addAll(RewardBench.readPriorSet(fixture("v1/" + f)));
            }
        }
        return items;
    }

    @Test
    void v1SubsetAccuraciesCountATieAsWrong() throws Exception {
        RewardBench.Result r = RewardBench.score(v1Items(false), new FakeScorer());
        assertThat(r.accuracy("alpacaeval-easy")).isEqualTo(0.5);  // 0.9 > 0.1; 0.4 = 0.4 counts 0
        assertThat(r.accuracy("mt-bench-med")).isEqualTo(1.0);
        assertThat(r.accuracy("mt-bench-hard")).isEqualTo(0.0);
        assertThat(r.accuracy("llmbar-natural")).isEqualTo(0.5);
        assertThat(r.accuracy("refusals-dangerous")).isEqualTo(1.0);
        assertThat(r.accuracy("xstest-should-respond")).isEqualTo(0.0); // 0.0 < 0.5, and a tie
        assertThat(r.accuracy("math-prm")).isEqualTo(0.5);
        assertThat(r.accuracy("hep-python")).isEqualTo(1.0);
        assertThat(r.accuracy("hep-go")).isEqualTo(0.0);
        assertThat(r.core()).hasSize(9);
        assertThat(r.core().get("alpacaeval-easy")).containsExactly(1, 2);
    }

    @Test
    void v1SectionsWeighBySubsetExampleCountsAndPriorSetsAtHalfWeight() throws Exception {
        RewardBench.Result r = RewardBench.score(v1Items(true), new FakeScorer());
        double chat = (0.5 * 100 + 1.0 * 40) / (100 + 40);               // alpacaeval-easy 100, mt-bench-med 40
        double chatHard = (0.0 * 37 + 0.5 * 100) / (37 + 100);           // mt-bench-hard 37, llmbar-natural 100
        double safety = (1.0 * 100 + 0.0 * 154) / (100 + 154);           // refusals-dangerous 100, xstest-should-respond 154
        double reasoning = (0.5 * 984 + 1.0 * 164 + 0.0 * 164) / (984 + 164 + 164); // math-prm counted as 984
        assertThat(r.section("Chat")).isCloseTo(chat, within(EPS));
        assertThat(r.section("Chat Hard")).isCloseTo(chatHard, within(EPS));
        assertThat(r.section("Safety")).isCloseTo(safety, within(EPS));
        assertThat(r.section("Reasoning")).isCloseTo(reasoning, within(EPS));
        // prior sets: anthropic_helpful 1/2, shp 2/2; anthropic_harmless 1/1 is scored but not averaged; pku_safer dropped
        assertThat(r.prior()).containsOnlyKeys("anthropic_helpful", "shp", "anthropic_harmless");
        assertThat(r.accuracy("anthropic_helpful")).isEqualTo(0.5);
        assertThat(r.accuracy("shp")).isEqualTo(1.0);
        assertThat(r.priorSets()).isCloseTo((0.5 + 1.0) / 2, within(EPS));
        assertThat(r.overall()).isCloseTo((2 * (chat + chatHard + safety + reasoning) + 0.75) / 9, within(EPS));

        RewardBench.Result noPrior = RewardBench.score(v1Items(false), new FakeScorer());
        assertThat(noPrior.priorSets()).isNaN();
        assertThat(noPrior.overall()).isCloseTo((chat + chatHard + safety + reasoning) / 4, within(EPS));

        ObjectNode j = r.toJson("m", "tokenizer");
        assertThat(j.path("model").asText()).isEqualTo("m");
        assertThat(j.path("model_type").asText()).isEqualTo("Seq. Classifier");
        assertThat(j.path("alpacaeval-easy").asDouble()).isEqualTo(0.5);
        assertThat(j.path("pref_sets").path("shp").asDouble()).isEqualTo(1.0);
        assertThat(j.path("leaderboard").path("Chat Hard").asDouble()).isCloseTo(chatHard, within(EPS));
        assertThat(j.path("leaderboard").path("Prior Sets (0.5 weight)").asDouble()).isCloseTo(0.75, within(EPS));
        assertThat(j.path("counts").path("math-prm").path("total").asInt()).isEqualTo(2);
        assertThat(r.table()).contains("alpacaeval-easy").contains("1/2").contains("Chat Hard").contains("50.59");
    }

    @Test
    void v1PriorSetPromptsTakeTheirRolesByPosition() throws Exception {
        FakeScorer s = new FakeScorer();
        RewardBench.score(RewardBench.readPriorSet(fixture("v1/anthropic_helpful.jsonl")), s);
        assertThat(s.contexts.get(1)).containsExactly(Turn.user("Hi"), Turn.assistant("Hello! How can I help?"),
                Turn.user("Tell me a joke."));
        assertThat(s.responses.get(1)).isEqualTo("A joke. score=0.2");
        FakeScorer core = new FakeScorer();
        RewardBench.score(RewardBench.readCore(fixture("v1/filtered.jsonl")), core);
        assertThat(core.contexts.get(0)).containsExactly(Turn.user("Question 0 of alpacaeval-easy?"));
    }

    @Test
    void v1SectionsWithoutAnyOfTheirSubsetsAreAbsent() throws Exception {
        List<RewardBench.Item> chatOnly = RewardBench.readCore(fixture("v1/filtered.jsonl")).stream()
                .filter(i -> i.subset().equals("alpacaeval-easy")).toList();
        RewardBench.Result r = RewardBench.score(chatOnly, new FakeScorer());
        assertThat(r.section("Chat")).isEqualTo(0.5);
        assertThat(r.section("Safety")).isNaN();
        assertThat(r.overall()).isNaN();
        assertThat(r.toJson("m", "t").path("leaderboard").path("average").isNull()).isTrue();
    }

    @Test
    void v2BestOfFourWithTheTiePenaltyAndTheTiesFormula() throws Exception {
        RewardBench2.Result r = RewardBench2.score(RewardBench2.read(fixture("v2/test.jsonl")), new FakeScorer());
        assertThat(r.subsets().get("Factuality")).isCloseTo((1 + 0.5 + 0) / 3, within(EPS)); // best; tied with 1 other → 1/2; beaten
        assertThat(r.subsets().get("Precise IF")).isCloseTo(0.25, within(EPS));           // four equal rewards → 1/4
        assertThat(r.subsets().get("Math")).isEqualTo(1.0);
        assertThat(r.subsets().get("Safety")).isEqualTo(0.0);
        assertThat(r.subsets().get("Focus")).isEqualTo(0.5);

        // Ties: per row, gap = worst correct − best incorrect, spread = best − worst correct.
        // ref:0 gap 0.9−0.5 = 0.4 ✓  tied:0 gap 0.7−0.4 = 0.3 ✓ spread 0.8−0.7 = 0.1
        // ref:1 gap 0.3−0.4 = −0.1 ✗  tied:1 gap 0.2−0.1 = 0.1 ✓ spread 1.0−0.2 = 0.8
        //                             tied:2 gap 0.5−0.9 ✗ (no ref row)
        // ref:3 gap 0 ✗ (no tied row)
        // ref:4 gap 0 ✗               tied:4 gap 0 ✗ spread 0
        // ref:5 gap 0.5 ✓             tied:5 gap 0.5 ✓ spread 0
        RewardBench2.TiesScore t = r.ties();
        assertThat(t.refAccuracy()).isCloseTo(2.0 / 5, within(EPS));
        assertThat(t.tiedAccuracy()).isCloseTo(3.0 / 5, within(EPS));
        assertThat(t.bothPrompts()).isEqualTo(4); // prompts 0, 1, 4, 5
        // gap > spread: 0.3 > 0.1 ✓, 0.1 > 0.8 ✗, 0 > 0 ✗, 0.5 > 0 ✓; with min(ref gap, tied gap): the same
        assertThat(t.correctnessPreferred()).isCloseTo(0.5, within(EPS));
        assertThat(t.correctnessPreferredHard()).isCloseTo(0.5, within(EPS));
        // tanh(min gap / spread − 1): tanh(0.3/0.1 − 1), tanh(−0.1/0.8 − 1), 0/0 → 0, tanh(+∞) = 1
        double margin = (Math.tanh(2) + Math.tanh(-1.125) + 0 + 1) / 4;
        assertThat(t.marginScore()).isCloseTo(margin, within(1e-12));
        double ties = 0.30 * 0.6 + 0.30 * 0.4 + 0.20 * 0.5 + 0.20 * 0.5 + 0.01 * margin;
        assertThat(r.subsets().get("Ties")).isCloseTo(ties, within(1e-12));
        assertThat(r.leaderboard()).isCloseTo((0.5 + 0.25 + 1.0 + 0.0 + 0.5 + ties) / 6, within(1e-12));

        JsonNode j = r.toJson("m", "tokenizer");
        assertThat(j.path("Precise IF").asDouble()).isCloseTo(0.25, within(EPS));
        assertThat(j.path("Ties").asDouble()).isCloseTo(ties, within(1e-12));
        assertThat(j.path("leaderboard").path("score").asDouble()).isCloseTo(r.leaderboard(), within(EPS));
        assertThat(j.path("ties").path("prompts_with_both").asInt()).isEqualTo(4);
        assertThat(j.path("counts").path("Ties").asInt()).isEqualTo(10);
        assertThat(r.table()).contains("Precise IF").contains("25.00").contains("leaderboard");
    }

    @Test
    void v2ScoresEveryCompletionAfterThePromptAsOneUserTurn() throws Exception {
        FakeScorer s = new FakeScorer();
        RewardBench2.score(RewardBench2.read(fixture("v2/test.jsonl")), s);
        assertThat(s.responses).hasSize(4 * 9 + 3 + 5 + 3 + 3 + 3 + 2 + 2 + 3 + 2 + 3);
        assertThat(s.contexts.get(0)).containsExactly(Turn.user("Prompt 1 (Factuality)"));
        assertThat(s.responses.subList(0, 2)).containsExactly("Sure, here it is (0). score=0.9", "I think the answer is (1). score=0.1");
    }

    @Test
    void theReleasedParquetFormGivesTheSameFiguresAsJsonLines() throws Exception {
        RewardBench2.Result j = RewardBench2.score(RewardBench2.read(fixture("v2/test.jsonl")), new FakeScorer());
        RewardBench2.Result p = RewardBench2.score(RewardBench2.read(fixture("v2/test.parquet")), new FakeScorer());
        assertThat(p.subsets()).isEqualTo(j.subsets());
        assertThat(p.ties()).isEqualTo(j.ties());
        List<RewardBench.Item> core = RewardBench.readCore(fixture("v1/filtered.parquet"));
        List<RewardBench.Item> prior = RewardBench.readPriorSet(fixture("v1/anthropic_helpful-00000-of-00001.parquet"));
        assertThat(core).isEqualTo(RewardBench.readCore(fixture("v1/filtered.jsonl")));
        assertThat(prior).isEqualTo(RewardBench.readPriorSet(fixture("v1/anthropic_helpful.jsonl")));
        Path bad = fixture("v2/test-zstd.parquet");
        assertThatThrownBy(() -> RewardBench2.read(bad)).hasMessageContaining("ZSTD");
    }

    @Test
    void v2LeaderboardNeedsAllSixSubsets() throws Exception {
        List<RewardBench2.Item> noTies = RewardBench2.read(fixture("v2/test.jsonl")).stream()
                .filter(i -> !i.subset().equals("Ties")).toList();
        RewardBench2.Result r = RewardBench2.score(noTies, new FakeScorer());
        assertThat(r.ties()).isNull();
        assertThat(r.leaderboard()).isNaN();
        assertThat(r.toJson("m", "t").path("leaderboard").path("score").isNull()).isTrue();
    }

    @Test
    void badRowsNameTheirFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path v1 = dir.resolve("filtered.jsonl");
        Files.writeString(v1, "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\",\"subset\":\"hep-go\",\"id\":1}\n\n"
                + "{\"prompt\":\"p\",\"chosen\":\"a\",\"subset\":\"hep-go\",\"id\":2}\n");
        assertThatThrownBy(() -> RewardBench.readCore(v1)).hasMessageContaining(v1 + ":3").hasMessageContaining("'rejected' is missing");
        Path v2 = dir.resolve("rb2.jsonl");
        Files.writeString(v2, "{\"id\":\"1\",\"prompt\":\"p\",\"chosen\":[\"a\"],\"rejected\":[\"b\",\"c\"],\"num_correct\":1,"
                + "\"total_completions\":4,\"subset\":\"Math\"}\n");
        assertThatThrownBy(() -> RewardBench2.read(v2)).hasMessageContaining(v2 + ":1").hasMessageContaining("total_completions is 4");
        Path ties = dir.resolve("ties.jsonl");
        Files.writeString(ties, "{\"id\":\"7\",\"prompt\":\"p\",\"chosen\":[\"a score=1\"],\"rejected\":[\"b score=0\"],\"num_correct\":1,"
                + "\"total_completions\":2,\"subset\":\"Ties\"}\n");
        assertThatThrownBy(() -> RewardBench2.score(RewardBench2.read(ties), new FakeScorer()))
                .hasMessageContaining(ties + ":1").hasMessageContaining("ref:N or tied:N");
        Path multi = dir.resolve("anthropic_hhh.jsonl");
        Files.writeString(multi, "{\"prompt\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}],"
                + "\"chosen\":\"c\",\"rejected\":\"d\"}\n");
        assertThatThrownBy(() -> RewardBench.readPriorSet(multi)).hasMessageContaining(multi + ":1").hasMessageContaining("end with a user turn");
        Path unnamed = dir.resolve("filtered.jsonl");
        assertThatThrownBy(() -> RewardBench.readPriorSet(unnamed)).hasMessageContaining("named after its split");
        Path parquet = dir.resolve("test-00000-of-00001.parquet");
        Files.write(parquet, "PAR1 not really".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> RewardBench2.read(parquet)).hasMessageContaining(parquet.toString()).hasMessageContaining("footer");
    }
}
