package dev.rlhf4j.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;

import dev.rlhf4j.data.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} (through DJL's binding of the Rust tokenizers). Holds the
 * file's bytes so that a checkpoint can store exactly the tokenizer it was trained with.
 */
public final class Tokenizer implements AutoCloseable {
    private final HuggingFaceTokenizer hf;
    private final byte[] json;
    private final int clsId;
    private final int sepId;
    private final int padId;
    private final java.util.Map<Integer, String> tokens = new java.util.HashMap<>();
    private final java.util.Map<String, Integer> ids = new java.util.HashMap<>();

    private Tokenizer(byte[] json, String origin) {
        this.json = json;
        try {
            // Built-in truncation/padding (MiniLM's file pads to 128) is switched off: we truncate
            // dialogue-aware and pad per batch ourselves.
            Map<String, String> options = Map.of("addSpecialTokens", "false", "truncation", "false",
                    "padding", "false", "modelMaxLength", "1000000");
            this.hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
            JsonNode root = Json.MAPPER.readTree(json);
            JsonNode vocab = root.path("model").path("vocab");
            if (vocab.isObject()) vocab.properties().forEach(e -> index(e.getValue().asInt(), e.getKey()));
            else if (vocab.isArray()) { // Unigram: [[piece, score], ...]
                for (int i = 0; i < vocab.size(); i++) index(i, vocab.get(i).path(0).asText());
            }
            for (JsonNode t : root.path("added_tokens")) index(t.path("id").asInt(), t.path("content").asText());
            this.clsId = lookup(vocab, root, "[CLS]", "<s>");
            this.sepId = lookup(vocab, root, "[SEP]", "</s>");
            int pad = lookup(vocab, root, "[PAD]", "<pad>");
            this.padId = pad >= 0 ? pad : Math.max(0, sepId);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read tokenizer " + origin + ": " + e.getMessage(), e);
        }
    }

    private void index(int id, String token) {
        tokens.put(id, token);
        ids.put(token, id);
    }

    /** The vocabulary entry of an id (e.g. {@code <s>}), or null when the id is outside the vocabulary. */
    public String tokenOf(int id) {
        return tokens.get(id);
    }

    /** The id of a vocabulary entry, or −1. */
    public int idOf(String token) {
        return ids.getOrDefault(token, -1);
    }

    /** Number of entries in the vocabulary, added tokens included (the largest id + 1). */
    public int vocabularySize() {
        int max = -1;
        for (int id : tokens.keySet()) max = Math.max(max, id);
        return max + 1;
    }

    public static Tokenizer fromBytes(byte[] json, String origin) {
        return new Tokenizer(json, origin);
    }

    public static Tokenizer fromFile(Path path) {
        try {
            return new Tokenizer(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
    }

    private static int lookup(JsonNode vocab, JsonNode root, String... names) {
        for (String n : names) {
            if (vocab.isObject() && vocab.has(n)) return vocab.get(n).asInt();
            for (JsonNode t : root.path("added_tokens")) {
                if (n.equals(t.path("content").asText())) return t.path("id").asInt();
            }
        }
        return -1;
    }

    /** Token ids of {@code text} without special tokens. */
    public int[] encode(String text) {
        return toInts(hf.encode(text, false, false).getIds());
    }

    /** Token ids of many texts at once (the Rust side runs them in parallel). */
    public int[][] encodeAll(List<String> texts) {
        if (texts.isEmpty()) return new int[0][];
        Encoding[] enc = hf.batchEncode(texts, false, false);
        int[][] out = new int[enc.length][];
        for (int i = 0; i < enc.length; i++) out[i] = toInts(enc[i].getIds());
        return out;
    }

    public String decode(int[] ids) {
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) l[i] = ids[i];
        return hf.decode(l, true);
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    /** Id of the sequence-start token ([CLS]), or −1 if the vocabulary has none. */
    public int clsId() {
        return clsId;
    }

    /** Id of the separator token ([SEP]), or −1. */
    public int sepId() {
        return sepId;
    }

    public int padId() {
        return padId;
    }

    public byte[] json() {
        return json.clone();
    }

    @Override
    public void close() {
        hf.close();
    }
}
