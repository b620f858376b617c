package dev.rlhf4j.eval.rewardbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.parquet.ParquetRows;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of a benchmark file with their columns as released: Parquet (recognised by its magic bytes, read by
 * {@link ParquetRows}) or JSON Lines, plain or gzip.
 */
final class BenchmarkRows {
    private BenchmarkRows() {}

    /** One row and where it came from ({@code file:line}), for error messages. */
    record Row(ObjectNode fields, String where) {
        String text(String column) {
            JsonNode v = fields.get(column);
            if (v == null || v.isNull()) throw new IllegalArgumentException(where + ": column '" + column + "' is missing");
            if (!v.isTextual()) throw new IllegalArgumentException(where + ": column '" + column + "' must be a string, got " + v.getNodeType());
            return v.asText();
        }

        List<String> texts(String column) {
            JsonNode v = fields.get(column);
            if (v == null || v.isNull()) throw new IllegalArgumentException(where + ": column '" + column + "' is missing");
            if (!v.isArray()) throw new IllegalArgumentException(where + ": column '" + column + "' must be a list of strings, got " + v.getNodeType());
            List<String> out = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw new IllegalArgumentException(where + ": column '" + column + "'[" + i + "] must be a string, got " + v.get(i).getNodeType());
                }
                out.add(v.get(i).asText());
            }
            return out;
        }

        int integer(String column) {
            JsonNode v = fields.get(column);
            if (v == null || v.isNull()) throw new IllegalArgumentException(where + ": column '" + column + "' is missing");
            if (!v.canConvertToInt() || !v.isIntegralNumber()) throw new IllegalArgumentException(where + ": column '" + column + "' must be an integer, got " + v);
            return v.asInt();
        }

        /** The id column as text: released as a string or a number depending on the set. */
        String id() {
            JsonNode v = fields.get("id");
            if (v == null || v.isNull()) throw new IllegalArgumentException(where + ": column 'id' is missing");
            return v.isTextual() ? v.asText() : v.toString();
        }
    }

    static List<Row> read(Path file) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
        try {
            if (ParquetRows.isParquet(file)) {
                List<Row> rows = new ArrayList<>();
                List<ObjectNode> parsed = ParquetRows.read(file);
                for (int i = 0; i < parsed.size(); i++) rows.add(new Row(parsed.get(i), file + ": row " + (i + 1)));
                if (rows.isEmpty()) throw new IllegalArgumentException(file + ": no rows");
                return rows;
            }
            List<Row> rows = new ArrayList<>();
            try (BufferedReader in = Jsonl.openText(file)) {
                int line = 0;
                for (String l; (l = in.readLine()) != null; ) {
                    line++;
                    if (l.isBlank()) continue;
                    String where = file + ":" + line;
                    JsonNode n;
                    try {
                        n = Json.MAPPER.readTree(l);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalArgumentException(where + ": not JSON: " + e.getOriginalMessage(), e);
                    }
                    if (!n.isObject()) throw new IllegalArgumentException(where + ": expected a JSON object, got " + n.getNodeType());
                    rows.add(new Row((ObjectNode) n, where));
                }
            }
            if (rows.isEmpty()) throw new IllegalArgumentException(file + ": no rows");
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
