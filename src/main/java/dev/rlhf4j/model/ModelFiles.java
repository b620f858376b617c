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
import java.util.LinkedHashMap;
import java.util.Map;

/** The files of a saved model directory, as transformers lays them out, and the one writer of them (every family). */
public final class ModelFiles {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String PROVENANCE = "provenance.json";

    private ModelFiles() {}

    /**
     * Writes {@code model.safetensors}, {@code config.json}, {@code tokenizer.json}, {@code tokenizer_config.json}
     * (when given) and {@code provenance.json} (when given) into {@code dir}, created if needed. Each file is written
     * to a temporary name and moved into place atomically, so a kill never leaves a half-written file.
     */
    public static void write(Path dir, ModelParameters weights, ObjectNode config, Tokenizer tokenizer,
                             JsonNode tokenizerConfig, ObjectNode provenance) {
        try {
            Files.createDirectories(dir);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("producer", "rlhf4j");
            Safetensors.write(dir.resolve(WEIGHTS), weights.toHost(), meta);
            Json.writeAtomically(dir.resolve(CONFIG), Json.PRETTY.writeValueAsBytes(config));
            Json.writeAtomically(dir.resolve(TOKENIZER), tokenizer.json());
            if (tokenizerConfig != null) {
                Json.writeAtomically(dir.resolve(TOKENIZER_CONFIG), Json.PRETTY.writeValueAsBytes(tokenizerConfig));
            }
            if (provenance != null) Json.writeAtomically(dir.resolve(PROVENANCE), Json.PRETTY.writeValueAsBytes(provenance));
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
