package dev.rlhf4j.text;

import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SequenceEncoderTest {
    static Tokenizer tok;

    @BeforeAll
    static void load() {
        tok = RewardModels.tokenizer("minilm");
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    static String words(String w, int n) {
        return (w + " ").repeat(n).trim();
    }

    @Test
    void layoutIsClsContextSepResponseSepWithSegments() {
        SequenceEncoder enc = new SequenceEncoder(tok, 64);
        EncodedSequence s = enc.encode(List.of(List.of(Turn.user("hello there"))), List.of("general kenobi")).get(0);
        assertThat(s.ids()[0]).isEqualTo(tok.clsId());
        assertThat(s.ids()[s.length() - 1]).isEqualTo(tok.sepId());
        assertThat(s.truncated()).isFalse();
        assertThat(tok.decode(s.ids())).isEqualTo("human : hello there general kenobi");
        int firstResponse = java.util.stream.IntStream.range(0, s.length()).filter(i -> s.typeIds()[i] == 1).findFirst().getAsInt();
        assertThat(s.ids()[firstResponse - 1]).isEqualTo(tok.sepId());
        assertThat(tok.decode(java.util.Arrays.copyOfRange(s.ids(), firstResponse, s.length()))).isEqualTo("general kenobi");
    }

    @Test
    void truncationDropsOldestTurnsAndKeepsTheResponseWhole() {
        SequenceEncoder enc = new SequenceEncoder(tok, 48);
        List<Turn> dialogue = List.of(Turn.user(words("apple", 20)), Turn.assistant(words("banana", 20)),
                Turn.user("which fruit is best"));
        String response = words("cherry", 20);
        EncodedSequence s = enc.encode(List.of(dialogue), List.of(response)).get(0);
        assertThat(s.length()).isLessThanOrEqualTo(48);
        assertThat(s.truncated()).isTrue();
        String text = tok.decode(s.ids());
        assertThat(text).doesNotContain("apple").contains("which fruit is best").contains(response);
        assertThat(text.split("cherry", -1)).hasSize(21);
    }

    @Test
    void anOverlongResponseKeepsItsStartAndSomeContext() {
        SequenceEncoder enc = new SequenceEncoder(tok, 40);
        EncodedSequence s = enc.encode(List.of(List.of(Turn.user(words("question", 30)))),
                List.of("first " + words("filler", 100))).get(0);
        assertThat(s.length()).isEqualTo(40);
        String text = tok.decode(s.ids());
        assertThat(text).contains("question").contains("first filler");
    }

    @Test
    void pairsShareTheirContext() {
        SequenceEncoder enc = new SequenceEncoder(tok, 64);
        var rec = Json.MAPPER.createObjectNode();
        PreferencePair p = new PreferencePair("x", List.of(Turn.user("2 + 2 ?")), "4", "5", rec, "f", 1);
        var e = enc.encodePairs(List.of(p)).get(0);
        assertThat(tok.decode(e.chosen().ids())).isEqualTo("human : 2 + 2? 4");
        assertThat(tok.decode(e.rejected().ids())).isEqualTo("human : 2 + 2? 5");
    }
}
