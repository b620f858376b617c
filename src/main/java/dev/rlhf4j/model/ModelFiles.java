package dev.rlhf4j.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The files of a saved model directory, as transformers lays them out, and the one writer of them (every family). */
public final class ModelFiles {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String PROVENANCE = "provenance.json";

    /** The metadata of every safetensors file rlhf4j writes (checkpoints and adapters). */
    public static final Map<String, String> WEIGHTS_METADATA = Map.of("format", "pt", "producer", "rlhf4j");

    private ModelFiles() {}

    /** Writes {@code node} as indented JSON to {@code file}, atomically; nothing when {@code node} is null. */
    public static void writeJson(Path file, JsonNode node) throws IOException {
        if (node != null) Json.writeAtomically(file, Json.PRETTY.writeValueAsBytes(node));
    }

    /**
     * Writes {@code model.safetensors}, {@code config.json}, {@code tokenizer.json}, {@code tokenizer_config.json}
     * (when given) and {@code provenance.json} (when given) into {@code dir}, created if needed. Each file is written
     * to a temporary name and moved into place atomically, so a kill never leaves a half-written file.
     */
    public static void write(Path dir, ModelParameters weights, ObjectNode config, Tokenizer tokenizer,
                             JsonNode tokenizerConfig, ObjectNode provenance) {
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(WEIGHTS), weights.toHost(), WEIGHTS_METADATA);
            writeJson(dir.resolve(CONFIG), config);
            Json.writeAtomically(dir.resolve(TOKENIZER), tokenizer.json());
            writeJson(dir.resolve(TOKENIZER_CONFIG), tokenizerConfig);
            writeJson(dir.resolve(PROVENANCE), provenance);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** {@code dir/file}, which must exist. */
    public static Path require(Path dir, String file) {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException(dir + " has no " + file);
        return p;
    }

    /** A classpath resource's bytes (the presets' weights and tokenizers). */
    public static byte[] resource(String name) {
        try (InputStream in = ModelFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is not on the classpath (is the Maven artifact with the pretrained weights missing?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
