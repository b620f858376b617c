package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonlTest {

    @TempDir
    Path dir;

    @Test
    void writesGzipAndPlainThatLoadBack() throws IOException {
        ObjectNode a = Json.MAPPER.createObjectNode().put("id", "a").put("prompt", "multi\nline «ü»")
                .put("chosen", "x").put("rejected", "y").put("score", 1.25);
        ObjectNode b = Json.MAPPER.createObjectNode().put("prompt", "q").put("chosen", "c").put("rejected", "r");
        for (String name : List.of("out/scored.jsonl.gz", "out/scored.jsonl")) {
            Path p = dir.resolve(name);
            Jsonl.write(p, List.of(a, b));
            assertThat(Jsonl.isGzip(p)).isEqualTo(name.endsWith(".gz"));
            try (BufferedReader r = Jsonl.openText(p)) {
                assertThat(r.lines().toList()).hasSize(2);
            }
            LoadResult loaded = PreferenceDataset.load(p);
            assertThat(loaded.pairs()).extracting(PreferencePair::record).containsExactly(a, b);
            assertThat(loaded.pairs().get(0).prompt()).containsExactly(Turn.user("multi\nline «ü»"));
        }
        try (var files = Files.list(dir.resolve("out"))) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("scored.jsonl.gz", "scored.jsonl"); // no temp files left
        }
    }

    @Test
    void replacesAnExistingFile() throws IOException {
        Path p = dir.resolve("x.jsonl");
        Files.writeString(p, "old content that is longer than the new one\n".repeat(10));
        Jsonl.write(p, List.of(Json.MAPPER.createObjectNode().put("k", 1)));
        assertThat(Files.readString(p)).isEqualTo("{\"k\":1}\n");
    }
}
