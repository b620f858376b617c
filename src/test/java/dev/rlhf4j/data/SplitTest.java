package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SplitTest {

    private static PreferencePair pair(int i, String prompt, String tree) {
        ObjectNode rec = Json.MAPPER.createObjectNode().put("prompt", prompt).put("chosen", "a").put("rejected", "b");
        if (tree != null) {
            rec.put("tree", tree);
        }
        return new PreferencePair("p" + i, List.of(Turn.user(prompt)), "a" + i, "b" + i, rec, "f.jsonl", i);
    }

    private static List<PreferencePair> pairs(int n, int prompts) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(pair(i, "prompt " + (i % prompts), "tree " + (i % 37)));
        }
        return out;
    }

    @Test
    void deterministicDisjointOrderedAndRoughlyTheFraction() {
        List<PreferencePair> all = pairs(10_000, 10_000);
        Split s = Split.byHash(all, 0.2);
        assertThat(Split.byHash(new ArrayList<>(all), 0.2)).isEqualTo(s);
        assertThat(s.train().size() + s.valid().size()).isEqualTo(10_000);
        Set<String> trainIds = new HashSet<>(s.train().stream().map(PreferencePair::id).toList());
        assertThat(s.valid()).noneMatch(p -> trainIds.contains(p.id()));
        assertThat(s.valid().size() / 10_000.0).isBetween(0.18, 0.22);
        assertThat(s.train()).extracting(PreferencePair::line).isSorted();
        assertThat(s.valid()).extracting(PreferencePair::line).isSorted();
        // a pair's side does not depend on the other pairs
        Split part = Split.byHash(all.subList(0, 500), 0.2);
        assertThat(part.valid()).containsExactlyElementsOf(s.valid().stream().filter(p -> p.line() <= 500).toList());
    }

    @Test
    void samePromptSameSide() {
        Split s = Split.byHash(pairs(3000, 50), 0.3);
        Set<String> train = new HashSet<>(s.train().stream().map(PreferencePair::promptText).toList());
        assertThat(s.valid()).noneMatch(p -> train.contains(p.promptText()));
        assertThat(s.valid()).isNotEmpty();
        assertThat(s.train()).isNotEmpty();
    }

    @Test
    void stableHashValues() {
        // SHA-256 of the UTF-8 key, first 53 bits: pinned so a split never changes between versions
        assertThat(Split.unit("")).isEqualTo(0.8894159948913373);
        assertThat(Split.unit("abc")).isEqualTo(0.7283949105904021);
    }

    @Test
    void edgesAndGroupBy() {
        List<PreferencePair> all = pairs(200, 200);
        assertThat(Split.byHash(all, 0.0).valid()).isEmpty();
        assertThat(Split.byHash(all, 1.0).train()).isEmpty();
        assertThatThrownBy(() -> Split.byHash(all, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Split.byHash(all, Double.NaN)).isInstanceOf(IllegalArgumentException.class);

        Split byTree = Split.byHash(all, 0.25, Split.groupBy("tree"));
        Set<String> trainTrees = new HashSet<>(byTree.train().stream().map(p -> p.record().get("tree").asText()).toList());
        assertThat(byTree.valid()).noneMatch(p -> trainTrees.contains(p.record().get("tree").asText()));

        List<PreferencePair> missing = new ArrayList<>(all);
        missing.add(pair(201, "x", null));
        assertThatThrownBy(() -> Split.byHash(missing, 0.2, Split.groupBy("tree")))
                .isInstanceOf(DataException.class)
                .hasMessage("f.jsonl:201: field 'tree' is missing; it is needed to group the split");
    }
}
