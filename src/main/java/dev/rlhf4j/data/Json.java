package dev.rlhf4j.data;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The one Jackson mapper of rlhf4j: strict on input (trailing garbage and duplicate keys are errors).
 * Every other class reads, builds and writes JSON through {@link #MAPPER} or {@link #PRETTY}.
 */
public final class Json {
    private Json() {}

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** {@link #MAPPER}'s writer for indented output (config, provenance and summary files). */
    public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    /** Reads a JSON file; a missing or malformed file is an {@link IllegalArgumentException} naming it. */
    public static JsonNode read(Path file) {
        try {
            return MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code node} as indented JSON, through a temporary file moved into place atomically. */
    public static void write(Path file, JsonNode node) {
        try {
            writeAtomically(file, PRETTY.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Replaces {@code target} with {@code bytes} so that a reader never sees a half-written file. */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
