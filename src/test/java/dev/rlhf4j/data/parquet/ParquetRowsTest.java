package dev.rlhf4j.data.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parquet files written by pyarrow 25 read back to exactly the JSON rows they were written from: the benchmark fixtures
 * (test resources {@code rewardbench/}: defaults = Snappy with dictionary pages; data pages v2 uncompressed in row groups
 * of 7; gzip without dictionary; zstd, refused) and 3,000 random rows ({@code parquet/README.md}).
 */
class ParquetRowsTest {
    static Path fixture(String name) throws Exception {
        return Path.of(ParquetRowsTest.class.getResource("/rewardbench/" + name).toURI());
    }

    static List<String> jsonl(Path f) throws Exception {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(l)));
        return out;
    }

    static List<String> parquet(Path f) throws Exception {
        List<String> out = new ArrayList<>();
        for (ObjectNode o : ParquetRows.read(f)) out.add(Json.MAPPER.writeValueAsString(o));
        return out;
    }

    @Test
    void readsEveryFixtureBackToItsJsonRows() throws Exception {
        List<String> v2 = jsonl(fixture("v2/test.jsonl"));
        for (String f : List.of("v2/test.parquet", "v2/test-v2pages.parquet", "v2/test-gzip-plain.parquet")) {
            assertThat(ParquetRows.isParquet(fixture(f))).isTrue();
            assertThat(parquet(fixture(f))).as(f).containsExactlyElementsOf(v2);
        }
        assertThat(parquet(fixture("v1/filtered.parquet"))).containsExactlyElementsOf(jsonl(fixture("v1/filtered.jsonl")));
        // a list of {role, content} structs, one prompt with three turns
        List<String> helpful = parquet(fixture("v1/anthropic_helpful-00000-of-00001.parquet"));
        assertThat(helpful).containsExactlyElementsOf(jsonl(fixture("v1/anthropic_helpful.jsonl")));
        JsonNode second = Json.MAPPER.readTree(helpful.get(1));
        assertThat(second.path("prompt").size()).isEqualTo(3);
        assertThat(second.path("prompt").get(1).path("role").asText()).isEqualTo("assistant");
        assertThat(ParquetRows.isParquet(fixture("v2/test.jsonl"))).isFalse();
    }

    @Test
    void readsManyPagesRowGroupsNullsAndADictionaryFallbackAsPyarrowDoes() throws Exception {
        List<String> want = new ArrayList<>();
        Path gz = Path.of(ParquetRowsTest.class.getResource("/parquet/mixed.jsonl.gz").toURI());
        try (var in = dev.rlhf4j.data.Jsonl.openText(gz)) {
            for (String l; (l = in.readLine()) != null; ) want.add(Json.MAPPER.writeValueAsString(Json.MAPPER.readTree(l)));
        }
        assertThat(want).hasSize(3000);
        for (String f : List.of("mixed-snappy-v1.parquet", "mixed-gzip-v2.parquet")) {
            List<String> got = parquet(Path.of(ParquetRowsTest.class.getResource("/parquet/" + f).toURI()));
            assertThat(got).as(f).hasSize(3000);
            for (int i = 0; i < got.size(); i++) assertThat(got.get(i)).as(f + " row " + i).isEqualTo(want.get(i));
        }
    }

    @Test
    void refusesACodecItCannotReadNamingTheColumn() throws Exception {
        Path f = fixture("v2/test-zstd.parquet");
        assertThatThrownBy(() -> ParquetRows.read(f)).hasMessageContaining(f.toString()).hasMessageContaining("column 'id'")
                .hasMessageContaining("ZSTD").hasMessageContaining("compression='snappy'");
    }

    @Test
    void refusesAFileWithoutAFooter(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cut.parquet");
        byte[] b = Files.readAllBytes(fixture("v2/test.parquet"));
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 10));
        assertThatThrownBy(() -> ParquetRows.read(f)).hasMessageContaining(f.toString()).hasMessageContaining("footer");
    }
}
