package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading small and broken files written on the spot. */
class PreferenceDatasetTest {

    @TempDir
    Path dir;

    private Path write(String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    private static String pairLine(int i) {
        return "{\"prompt\": \"question " + i + "\", \"chosen\": \"good " + i + "\", \"rejected\": \"bad " + i + "\"}";
    }

    private Path pairsWithBadLine(int badLine, String bad) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 2000; i++) {
            lines.add(i == badLine ? bad : pairLine(i));
        }
        return write("data.jsonl", lines.toArray(String[]::new));
    }

    @Test
    void malformedJsonLineIsNamedByLine() throws IOException {
        Path p = pairsWithBadLine(1037, "{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": ");
        assertThatThrownBy(() -> PreferenceDataset.load(p))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("data.jsonl:1037: bad JSON")
                .satisfies(e -> assertThat(((DataException) e).line()).isEqualTo(1037));
    }

    @Test
    void malformedJsonLineIsSkippedAndCounted() throws IOException {
        Path p = pairsWithBadLine(1037, "{\"prompt\": \"q\", \"chosen\": \"a\" \"rejected\": \"b\"}");
        LoadResult r = PreferenceDataset.load(p, "auto", true);
        assertThat(r.pairs()).hasSize(1999);
        assertThat(r.report().invalid().count()).isEqualTo(1);
        assertThat(r.report().invalid().examples()).singleElement().asString().startsWith("data.jsonl:1037: bad JSON");
        assertThat(r.report().linesRead()).isEqualTo(2000);
        assertThat(r.pairs().get(1035).line()).isEqualTo(1036);
        assertThat(r.pairs().get(1036).line()).isEqualTo(1038);
        assertThat(r.pairs().get(1036).id()).isEqualTo("data.jsonl:1038");
    }

    @Test
    void trailingGarbageIsBadJson() throws IOException {
        Path p = write("t.jsonl", pairLine(1), pairLine(2) + " xyz");
        assertThatThrownBy(() -> PreferenceDataset.load(p)).hasMessageStartingWith("t.jsonl:2: bad JSON");
    }

    @Test
    void missingField() throws IOException {
        Path p = pairsWithBadLine(1037, "{\"prompt\": \"q\", \"chosen\": \"a\"}");
        assertThatThrownBy(() -> PreferenceDataset.load(p))
                .isInstanceOf(DataException.class)
                .hasMessage("data.jsonl:1037: field 'rejected' is missing");
        LoadResult r = PreferenceDataset.load(p, "pairs", true);
        assertThat(r.pairs()).hasSize(1999);
        assertThat(r.report().detected()).isFalse();
        assertThat(r.report().invalid().examples()).containsExactly("data.jsonl:1037: field 'rejected' is missing");
    }

    @Test
    void wrongTypesAndNulls() throws IOException {
        assertThatThrownBy(() -> PreferenceDataset.load(write("a.jsonl", pairLine(1),
                "{\"prompt\": \"q\", \"chosen\": {\"text\": \"a\"}, \"rejected\": \"b\"}")))
                .hasMessage("a.jsonl:2: field 'chosen' must be a string, got object");
        assertThatThrownBy(() -> PreferenceDataset.load(write("b.jsonl",
                "{\"prompt\": null, \"chosen\": \"a\", \"rejected\": \"b\"}")))
                .hasMessage("b.jsonl:1: field 'prompt' is null");
        assertThatThrownBy(() -> PreferenceDataset.load(write("c.jsonl", pairLine(1), "[1, 2]")))
                .hasMessage("c.jsonl:2: record is not a JSON object (got array)");
        assertThatThrownBy(() -> PreferenceDataset.load(write("d.jsonl",
                "{\"id\": {\"x\": 1}, \"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}")))
                .hasMessage("d.jsonl:1: field 'id' must be a string or a number, got object");
    }

    @Test
    void numbersAndBooleansAsTextAreKeptAndCounted() throws IOException {
        LoadResult r = PreferenceDataset.load(write("n.jsonl",
                "{\"id\": 7, \"prompt\": \"Is it odd?\", \"chosen\": true, \"rejected\": 3.5}", pairLine(2)));
        assertThat(r.pairs()).hasSize(2);
        assertThat(r.pairs().get(0).id()).isEqualTo("7");
        assertThat(r.pairs().get(0).chosen()).isEqualTo("true");
        assertThat(r.pairs().get(0).rejected()).isEqualTo("3.5");
        assertThat(r.report().nonStringText().count()).isEqualTo(1);
        assertThat(r.report().nonStringText().examples()).containsExactly("7 (line 1)");
    }

    @Test
    void blankLinesIgnoredAndOtherFieldsKept() throws IOException {
        LoadResult r = PreferenceDataset.load(write("b.jsonl", "",
                "{\"id\": \"x1\", \"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\", \"margin\": 2.5, \"src\": \"s\"}",
                "   ", pairLine(4)));
        assertThat(r.pairs()).extracting(PreferencePair::line).containsExactly(2, 4);
        assertThat(r.report().linesRead()).isEqualTo(4);
        PreferencePair p = r.pairs().get(0);
        assertThat(p.id()).isEqualTo("x1");
        assertThat(p.number("margin")).hasValue(2.5);
        assertThat(p.record().get("src").asText()).isEqualTo("s");
    }

    @Test
    void emptyAndIdenticalResponsesAreKeptAndCounted() throws IOException {
        LoadResult r = PreferenceDataset.load(write("e.jsonl",
                "{\"prompt\": \"q1\", \"chosen\": \"  \", \"rejected\": \"b\"}",
                "{\"prompt\": \"q2\", \"chosen\": \"a\", \"rejected\": \"\"}",
                "{\"id\": \"same\", \"prompt\": \"q3\", \"chosen\": \"a\", \"rejected\": \"a\"}",
                pairLine(4)));
        assertThat(r.pairs()).hasSize(4);
        DataReport rep = r.report();
        assertThat(rep.emptyChosen().count()).isEqualTo(1);
        assertThat(rep.emptyChosen().examples()).containsExactly("e.jsonl:1");
        assertThat(rep.emptyRejected().examples()).containsExactly("e.jsonl:2");
        assertThat(rep.identical().examples()).containsExactly("same (line 3)");
        assertThat(rep.invalid().count()).isZero();
        assertThat(rep.summaryLines()).anyMatch(l -> l.contains("identical") && l.contains("same (line 3)"));
        ObjectNode json = rep.toJson();
        assertThat(json.get("format").asText()).isEqualTo("pairs");
        assertThat(json.get("detected").asBoolean()).isTrue();
        assertThat(json.get("empty_chosen").get("count").asInt()).isEqualTo(1);
        assertThat(json.get("empty_rejected").get("examples").get(0).asText()).isEqualTo("e.jsonl:2");
        assertThat(json.get("identical").get("count").asInt()).isEqualTo(1);
        assertThat(json.get("invalid").get("count").asInt()).isZero();
        assertThat(json.get("lines_read").asInt()).isEqualTo(4);
    }

    @Test
    void conversationalPairs() throws IOException {
        LoadResult r = PreferenceDataset.load(write("conv.jsonl",
                "{\"prompt\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}],"
                        + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Hello!\"}],"
                        + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Go away.\"}]}",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"2+2?\"}],"
                        + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"Let me think.\"},"
                        + " {\"role\": \"user\", \"content\": \"ok\"}, {\"role\": \"assistant\", \"content\": \"4\"}],"
                        + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"Let me think.\"},"
                        + " {\"role\": \"user\", \"content\": \"ok\"}, {\"role\": \"assistant\", \"content\": \"5\"}]}"));
        assertThat(r.report().format()).isEqualTo("pairs");
        PreferencePair a = r.pairs().get(0);
        assertThat(a.prompt()).containsExactly(new Turn(Turn.SYSTEM, "Be brief."), Turn.user("Hi"));
        assertThat(a.chosen()).isEqualTo("Hello!");
        assertThat(a.rejected()).isEqualTo("Go away.");
        PreferencePair b = r.pairs().get(1);
        assertThat(b.prompt()).containsExactly(Turn.user("2+2?"), Turn.assistant("Let me think."), Turn.user("ok"));
        assertThat(b.chosen()).isEqualTo("4");
        assertThat(b.rejected()).isEqualTo("5");
    }

    @Test
    void conversationalErrors() throws IOException {
        assertThatThrownBy(() -> PreferenceDataset.load(write("c1.jsonl",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}],"
                        + " \"chosen\": [{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\", \"content\": \"a\"}],"
                        + " \"rejected\": [{\"role\": \"user\", \"content\": \"y\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}")))
                .hasMessageStartingWith("c1.jsonl:1: 'chosen' and 'rejected' have different messages before their last one");
        assertThatThrownBy(() -> PreferenceDataset.load(write("c2.jsonl",
                "{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}],"
                        + " \"chosen\": [{\"role\": \"user\", \"content\": \"a\"}], \"rejected\": \"b\"}")))
                .hasMessage("c2.jsonl:1: field 'chosen': the last message has role 'user', expected 'assistant'");
        assertThatThrownBy(() -> PreferenceDataset.load(write("c3.jsonl",
                "{\"prompt\": [{\"role\": \"bot\", \"content\": \"q\"}], \"chosen\": \"a\", \"rejected\": \"b\"}")))
                .hasMessage("c3.jsonl:1: field 'prompt[0].role' is 'bot', expected user, assistant or system");
        assertThatThrownBy(() -> PreferenceDataset.load(write("c4.jsonl",
                "{\"prompt\": [{\"role\": \"user\"}], \"chosen\": \"a\", \"rejected\": \"b\"}")))
                .hasMessage("c4.jsonl:1: field 'prompt[0].content' is missing");
    }

    @Test
    void pairsPromptWithTranscriptMarkers() throws IOException {
        LoadResult r = PreferenceDataset.load(write("o.jsonl",
                "{\"prompt\": \"\\n\\nHuman: Hi there\\n\\nAssistant: Hello.\\n\\nHuman: Tell me a joke\\n\\nAssistant:\","
                        + " \"chosen\": \"Knock knock.\", \"rejected\": \"No.\"}"));
        assertThat(r.pairs().get(0).prompt()).containsExactly(
                Turn.user("Hi there"), Turn.assistant("Hello."), Turn.user("Tell me a joke"));
    }

    @Test
    void mossJsonArray() throws IOException {
        Path p = write("moss.json", """
                [
                  {"chosen": ["Hi", "Hello! How can I help?", "Name a color.", "Blue."],
                   "rejected": ["Hi", "Hello! How can I help?", "Name a color.", "Dog."]},
                  {"chosen": ["2+2?", "4"], "rejected": ["2+2?", "5"], "id": "m2"}
                ]""");
        LoadResult r = PreferenceDataset.load(p);
        assertThat(r.report().format()).isEqualTo("moss");
        assertThat(r.report().detected()).isTrue();
        assertThat(r.pairs()).hasSize(2);
        PreferencePair a = r.pairs().get(0);
        assertThat(a.prompt()).containsExactly(Turn.user("Hi"), Turn.assistant("Hello! How can I help?"),
                Turn.user("Name a color."));
        assertThat(a.chosen()).isEqualTo("Blue.");
        assertThat(a.rejected()).isEqualTo("Dog.");
        assertThat(a.id()).isEqualTo("moss.json:1");
        assertThat(r.pairs().get(1).id()).isEqualTo("m2");
        assertThat(r.pairs().get(1).line()).isEqualTo(2);
    }

    @Test
    void mossJsonlAndErrors() throws IOException {
        LoadResult r = PreferenceDataset.load(write("moss.jsonl",
                "{\"chosen\": [\"q\", \"a\"], \"rejected\": [\"q\", \"b\"]}",
                "{\"chosen\": [\"q\", \"a\", \"q2\"], \"rejected\": [\"q\", \"b\"]}",
                "{\"chosen\": [\"q\", \"a\"], \"rejected\": [\"other\", \"b\"]}",
                "{\"chosen\": [\"q\", \"a\"], \"rejected\": \"b\"}"), "auto", true);
        assertThat(r.report().format()).isEqualTo("moss");
        assertThat(r.pairs()).hasSize(1);
        assertThat(r.report().invalid().examples()).containsExactly(
                "moss.jsonl:2: field 'chosen' has 3 utterances; expected an even number (human, assistant, ..., the assistant response)",
                "moss.jsonl:3: 'chosen' and 'rejected' differ before their last utterance; the prompt they share must be the same",
                "moss.jsonl:4: field 'rejected' must be an array of utterances, got string");
    }

    @Test
    void brokenJsonArrayFailsEvenWhenSkipping() throws IOException {
        Path p = write("bad.json", "[{\"chosen\": [\"q\", \"a\"], \"rejected\": [\"q\", \"b\"]},", "{\"chosen\": [\"q\",");
        assertThatThrownBy(() -> PreferenceDataset.load(p, "auto", true))
                .isInstanceOf(DataException.class)
                .hasMessageStartingWith("bad.json: bad JSON at line 3")
                .hasMessageContaining("(after element 1)");
    }

    @Test
    void hhGzipDetectedByMagicBytesNotName() throws IOException {
        Path p = dir.resolve("hh-data.bin");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(("{\"chosen\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Help me\\n\\nAssistant: Sure.\","
                    + " \"rejected\": \"\\n\\nHuman: Hi\\n\\nAssistant: Hello\\n\\nHuman: Help me\\n\\nAssistant: No.\"}\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        assertThat(Jsonl.isGzip(p)).isTrue();
        LoadResult r = PreferenceDataset.load(p);
        assertThat(r.report().format()).isEqualTo("hh");
        PreferencePair pair = r.pairs().get(0);
        assertThat(pair.prompt()).containsExactly(Turn.user("Hi"), Turn.assistant("Hello"), Turn.user("Help me"));
        assertThat(pair.chosen()).isEqualTo("Sure.");
        assertThat(pair.rejected()).isEqualTo("No.");
        assertThat(r.report().prefixMismatch().count()).isZero();
    }

    @Test
    void hhPrefixMismatchAndMissingAssistant() throws IOException {
        LoadResult r = PreferenceDataset.load(write("hh.jsonl",
                "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: B\\n\\nAssistant: y\"}",
                "{\"chosen\": \"\\n\\nHuman: A\\n\\nAssistant: x\", \"rejected\": \"\\n\\nHuman: A only\"}"), "hh", true);
        assertThat(r.pairs()).hasSize(1);
        assertThat(r.pairs().get(0).prompt()).containsExactly(Turn.user("A"));
        assertThat(r.pairs().get(0).rejected()).isEqualTo("y");
        assertThat(r.report().prefixMismatch().examples()).containsExactly("hh.jsonl:1");
        assertThat(r.report().invalid().examples())
                .containsExactly("hh.jsonl:2: field 'rejected' has no '\\n\\nAssistant:' turn");
    }

    @Test
    void undetectableEmptyAndUnknownFormat() throws IOException {
        assertThatThrownBy(() -> PreferenceDataset.load(write("u.jsonl", "{\"text\": \"hi\"}")))
                .hasMessageStartingWith("u.jsonl:1: cannot detect the format from the first record (fields [text])");
        assertThatThrownBy(() -> PreferenceDataset.load(write("empty.jsonl", "", "")))
                .hasMessage("empty.jsonl: no records (empty file)");
        assertThatThrownBy(() -> PreferenceDataset.load(write("x.jsonl", pairLine(1)), "csv", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown data format 'csv'");
        assertThatThrownBy(() -> PreferenceDataset.load(dir.resolve("nope.jsonl")))
                .isInstanceOf(DataException.class).hasMessageContaining("cannot read");
    }

    @Test
    void invalidUtf8IsAnError() throws IOException {
        Path p = dir.resolve("latin1.jsonl");
        Files.write(p, ("{\"prompt\": \"caf\u00e9\", \"chosen\": \"a\", \"rejected\": \"b\"}\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> PreferenceDataset.load(p))
                .isInstanceOf(DataException.class).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void invalidExamplesAreCapped() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            lines.add(i == 1 ? pairLine(1) : "{\"prompt\": \"q\"}");
        }
        LoadResult r = PreferenceDataset.load(write("many.jsonl", lines.toArray(String[]::new)), "auto", true);
        assertThat(r.pairs()).hasSize(1);
        assertThat(r.report().invalid().count()).isEqualTo(29);
        assertThat(r.report().invalid().examples()).hasSize(20);
    }
}
