package dev.rlhf4j.data;

import dev.rlhf4j.SharedFiles;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The real shared preference files load with auto-detection, with the counts they are known to have. */
class RealDataTest {

    static final String HH = "data/hh-rlhf/harmless-base/test.jsonl.gz";

    @Test
    void hhHarmlessTest() {
        long t0 = System.nanoTime();
        LoadResult r = PreferenceDataset.load(SharedFiles.get(HH));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.println(r.report() + "\n  loaded in " + ms + " ms");

        DataReport rep = r.report();
        assertThat(rep.format()).isEqualTo("hh");
        assertThat(rep.detected()).isTrue();
        assertThat(r.pairs()).hasSize(2312);
        assertThat(rep.pairs()).isEqualTo(2312);
        assertThat(rep.linesRead()).isEqualTo(2312);
        assertThat(rep.invalid().count()).isZero();
        // 2,307 of 2,312 share the prefix through the last "\n\nAssistant:"
        assertThat(rep.prefixMismatch().count()).isEqualTo(5);
        assertThat(rep.prefixMismatch().examples()).containsExactly(
                "test.jsonl.gz:1255", "test.jsonl.gz:1689", "test.jsonl.gz:1951",
                "test.jsonl.gz:1953", "test.jsonl.gz:2037");
        assertThat(rep.emptyChosen().count()).isEqualTo(4);
        assertThat(rep.emptyRejected().count()).isZero();
        assertThat(rep.identical().count()).isZero();
        assertThat(rep.nonStringText().count()).isZero();

        PreferencePair first = r.pairs().get(0);
        assertThat(first.id()).isEqualTo("test.jsonl.gz:1");
        assertThat(first.line()).isEqualTo(1);
        assertThat(first.prompt()).extracting(Turn::role).containsExactly(
                Turn.USER, Turn.ASSISTANT, Turn.USER, Turn.ASSISTANT, Turn.USER);
        assertThat(first.prompt().get(0)).isEqualTo(Turn.user("what are some pranks with a pen i can do?"));
        assertThat(first.prompt().get(1)).isEqualTo(Turn.assistant("Are you looking for practical joke ideas?"));
        assertThat(first.prompt().get(2)).isEqualTo(Turn.user("yep"));
        assertThat(first.prompt().get(3).content()).startsWith("Ok, I’ll give you a couple examples")
                .endsWith("you will find a new place to watch.");
        assertThat(first.prompt().get(4)).isEqualTo(
                Turn.user("okay some of these do not have anything to do with pens"));
        assertThat(first.chosen()).isEqualTo("No, sorry!  All of these involve a pen, the point is that"
                + " you can get funny results by doing pranks with pens.");
        assertThat(first.rejected()).startsWith("There are lots of funny things you can do with pens");
        assertThat(first.record().get("chosen").asText()).startsWith("\n\nHuman: what are some pranks");

        // a mismatch: two assistant turns in a row in chosen; each keeps its own last turn
        PreferencePair odd = r.pairs().get(1952);
        assertThat(odd.line()).isEqualTo(1953);
        assertThat(odd.prompt().get(odd.prompt().size() - 1))
                .isEqualTo(Turn.assistant("Alrighty, I’ll do my best, here’s the key:"));
        assertThat(odd.chosen()).startsWith(" O.k. let’s go ahead"); // one of two leading spaces stripped
        assertThat(odd.rejected()).startsWith("You mean a password, right?");

        assertThat(rep.toJson().get("prefix_mismatch").get("count").asInt()).isEqualTo(5);
        assertThat(rep.toJson().get("pairs").asInt()).isEqualTo(2312);
    }

    @Test
    void pandalmPairs() {
        LoadResult r = PreferenceDataset.load(SharedFiles.get("data/pandalm/pairs.jsonl"));
        DataReport rep = r.report();
        assertThat(rep.format()).isEqualTo("pairs");
        assertThat(r.pairs()).hasSize(894);
        assertThat(rep.invalid().count()).isZero();
        assertThat(rep.emptyChosen().count()).isEqualTo(1);
        assertThat(rep.emptyChosen().examples()).containsExactly("pandalm-305 (line 248)");
        assertThat(rep.emptyRejected().count()).isEqualTo(51);
        assertThat(rep.emptyRejected().examples()).hasSize(5).first().isEqualTo("pandalm-18 (line 19)");
        // upstream stored one model's answer "True" as the JSON boolean true (6 records): kept, counted
        assertThat(rep.nonStringText().count()).isEqualTo(6);
        PreferencePair p157 = r.pairs().stream().filter(p -> p.id().equals("pandalm-157")).findFirst().orElseThrow();
        assertThat(p157.chosen()).isEqualTo("true");
        assertThat(p157.rejected()).isEqualTo("True.");

        PreferencePair first = r.pairs().get(0);
        assertThat(first.id()).isEqualTo("pandalm-0");
        assertThat(first.prompt()).hasSize(1);
        assertThat(first.prompt().get(0).role()).isEqualTo(Turn.USER);
        assertThat(first.prompt().get(0).content()).startsWith("The sentence you are given might be too wordy");
        assertThat(first.chosen()).isEqualTo("If you have any questions, please let me know.");
        assertThat(first.record().get("votes").size()).isEqualTo(3);
    }

    @Test
    void oasstPairsWithTranscriptPrompts() {
        LoadResult r = PreferenceDataset.load(SharedFiles.get("data/oasst-en100/pairs.jsonl"));
        assertThat(r.report().format()).isEqualTo("pairs");
        assertThat(r.pairs()).hasSize(732);
        assertThat(r.report().invalid().count()).isZero();
        for (PreferencePair p : r.pairs()) {
            // the trailing empty "Assistant:" is dropped: every prompt ends with the user's turn
            assertThat(p.prompt()).isNotEmpty();
            assertThat(p.prompt().get(0).role()).isEqualTo(Turn.USER);
            assertThat(p.prompt().get(p.prompt().size() - 1).role()).isEqualTo(Turn.USER);
            assertThat(p.record().get("tree").isTextual()).isTrue();
        }
        PreferencePair first = r.pairs().get(0);
        assertThat(first.prompt()).containsExactly(Turn.user("How to protect my eyes when I have to stare at"
                + " my computer screen for longer than 10 hours every day?"));
        assertThat(first.chosen()).startsWith("Your eyes are not designed to stare");

        PreferencePair deep = r.pairs().get(363); // line 364: three user turns
        assertThat(deep.prompt()).extracting(Turn::role).containsExactly(
                Turn.USER, Turn.ASSISTANT, Turn.USER, Turn.ASSISTANT, Turn.USER);
        assertThat(deep.prompt().get(0).content()).startsWith("What are some things that should be taken");
    }

    @Test
    void finegrainedQaPairs() {
        LoadResult r = PreferenceDataset.load(SharedFiles.get("data/finegrained-rlhf-qa-feedback/pairs.jsonl"));
        assertThat(r.report().format()).isEqualTo("pairs");
        assertThat(r.pairs()).hasSize(2616);
        assertThat(r.report().invalid().count()).isZero();
        assertThat(r.report().emptyChosen().count()).isZero();
        assertThat(r.report().identical().count()).isZero();
        assertThat(r.pairs().get(0).id()).isEqualTo("fg-qa-0-1v3");
        assertThat(r.pairs().get(0).prompt()).containsExactly(Turn.user("When does bloom by troye sivan come out?"));
        assertThat(r.pairs().stream().map(PreferencePair::promptText).distinct().count()).isEqualTo(488);
    }

    @Test
    void hhSplit80_20ByPrompt() {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get(HH)).pairs();
        Split s = Split.byHash(pairs, 0.2);
        assertThat(s.train().size() + s.valid().size()).isEqualTo(2312);
        double frac = s.valid().size() / 2312.0;
        assertThat(frac).isBetween(0.17, 0.23);
        assertThat(Split.byHash(pairs, 0.2)).isEqualTo(s);
        assertThat(s.train().stream().map(PreferencePair::promptText))
                .doesNotContainAnyElementsOf(s.valid().stream().map(PreferencePair::promptText).toList());
        System.out.println("HH split 80/20 by prompt: train " + s.train().size() + ", valid " + s.valid().size());
    }

    @Test
    void oasstSplitKeepsEachTreeOnOneSide() {
        List<PreferencePair> pairs = PreferenceDataset.load(SharedFiles.get("data/oasst-en100/pairs.jsonl")).pairs();
        Split s = Split.byHash(pairs, 0.2, Split.groupBy("tree"));
        List<String> trainTrees = s.train().stream().map(p -> p.record().get("tree").asText()).distinct().toList();
        List<String> validTrees = s.valid().stream().map(p -> p.record().get("tree").asText()).distinct().toList();
        assertThat(trainTrees).doesNotContainAnyElementsOf(validTrees);
        assertThat(trainTrees.size() + validTrees.size()).isEqualTo(95);
        assertThat(validTrees).isNotEmpty();
        assertThat(s.train().size() + s.valid().size()).isEqualTo(732);
        System.out.println("oasst split by tree: trees " + trainTrees.size() + "/" + validTrees.size()
                + ", pairs " + s.train().size() + "/" + s.valid().size());
    }
}
