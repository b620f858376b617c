package dev.rlhf4j.model.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.ModelFiles;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Llama2cCheckpoint;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.Llama2cTokenizer;
import dev.rlhf4j.text.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A decoder checkpoint read into host memory: its config, its tensors under canonical Hugging Face names
 * (backbone prefix {@code model.} or {@code transformer.} added where a checkpoint omits it), its
 * tokenizer.json bytes, and its tokenizer_config.json when there is one.
 *
 * <p>Sources: a Hugging Face directory (config.json, model.safetensors or shards listed in
 * model.safetensors.index.json, tokenizer.json) or a llama2.c {@code .bin} with its binary tokenizer
 * beside it (converted to a tokenizer.json, rotary rows converted to the Hugging Face layout).
 */
public record DecoderCheckpoint(Path source, JsonNode configJson, DecoderConfig config, Map<String, HostTensor> tensors,
                                byte[] tokenizerJson, JsonNode tokenizerConfig) {
    private static final ObjectMapper JSON = Json.MAPPER;

    /** Buffers and heads a backbone does not use: causal masks, rotary caches, the LM and score heads. */
    public static final Predicate<String> NOT_BACKBONE = n -> n.startsWith("lm_head.") || n.startsWith("score.")
            || n.endsWith(".attn.bias") || n.endsWith(".attn.masked_bias") || n.endsWith("rotary_emb.inv_freq");

    /** Whether {@code path} names something this class reads: a decoder HF directory or a llama2.c file. */
    public static boolean isDecoder(Path path) {
        if (Files.isRegularFile(path)) return Llama2cCheckpoint.looksLikeLlama2c(path);
        Path cfg = path.resolve("config.json");
        if (!Files.isRegularFile(cfg)) return false;
        return DecoderConfig.isDecoder(Json.read(cfg));
    }

    public static DecoderCheckpoint read(Path path) {
        return Files.isRegularFile(path) ? readLlama2c(path) : readHf(path);
    }

    /** A Hugging Face directory. */
    public static DecoderCheckpoint readHf(Path dir) {
        Path cfgFile = ModelFiles.require(dir, "config.json");
        JsonNode cfgJson = Json.read(cfgFile);
        DecoderConfig cfg = DecoderConfig.fromJson(cfgJson, cfgFile.toString());
        JsonNode tokCfg = Files.isRegularFile(dir.resolve("tokenizer_config.json"))
                ? Json.read(dir.resolve("tokenizer_config.json")) : JSON.createObjectNode();
        cfg = applyTokenizerConfig(cfg, tokCfg);
        // A chat_template.jinja file takes precedence; kept in the config so that a saved checkpoint carries it.
        var template = dev.rlhf4j.text.ChatTemplate.fromDirectory(dir);
        if (template.isPresent()) {
            tokCfg = tokCfg.deepCopy();
            ((com.fasterxml.jackson.databind.node.ObjectNode) tokCfg).put("chat_template", template.get().template());
        }
        byte[] tok;
        try {
            tok = Files.readAllBytes(ModelFiles.require(dir, "tokenizer.json"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + dir.resolve("tokenizer.json") + ": " + e.getMessage(), e);
        }
        return new DecoderCheckpoint(dir, cfgJson, cfg, canonical(readWeights(dir), cfg.family()), tok, tokCfg);
    }

    /** A llama2.c model file; its tokenizer is {@code tokenizer.json}, {@code tok<V>.bin} or {@code tokenizer.bin} beside it. */
    public static DecoderCheckpoint readLlama2c(Path bin) {
        Llama2cCheckpoint ck = Llama2cCheckpoint.read(bin);
        DecoderConfig cfg = DecoderConfig.fromJson(ck.config(), bin.toString());
        Path dir = bin.toAbsolutePath().getParent();
        byte[] tok;
        try {
            if (Files.isRegularFile(dir.resolve("tokenizer.json"))) {
                tok = Files.readAllBytes(dir.resolve("tokenizer.json"));
            } else {
                Path t = dir.resolve("tok" + cfg.vocabSize() + ".bin");
                if (!Files.isRegularFile(t)) t = dir.resolve("tokenizer.bin");
                if (!Files.isRegularFile(t)) {
                    throw new IllegalArgumentException("no tokenizer beside " + bin + ": expected tokenizer.json, tok"
                            + cfg.vocabSize() + ".bin or tokenizer.bin in " + dir);
                }
                tok = Llama2cTokenizer.toTokenizerJson(t, cfg.vocabSize());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the tokenizer beside " + bin + ": " + e.getMessage(), e);
        }
        return new DecoderCheckpoint(bin, ck.config(), cfg, ck.tensors(), tok, JSON.createObjectNode());
    }

    /** This checkpoint read as a starting point for training: constants in float32 (see {@link DecoderConfig#asFloat32}). */
    public DecoderCheckpoint forTraining() {
        return new DecoderCheckpoint(source, configJson, config.asFloat32(), tensors, tokenizerJson, tokenizerConfig);
    }

    /** The tokenizer, with its special ids as the config gives them. */
    public Tokenizer tokenizer() {
        return Tokenizer.fromBytes(tokenizerJson, source + " tokenizer");
    }

    /** tokenizer_config.json decides whether BOS is added, when it says; a pad token named there is used if config.json has none. */
    static DecoderConfig applyTokenizerConfig(DecoderConfig cfg, JsonNode tokCfg) {
        if (tokCfg.has("add_bos_token") && tokCfg.get("add_bos_token").isBoolean()) {
            cfg = cfg.withAddBos(tokCfg.get("add_bos_token").asBoolean());
        }
        return cfg;
    }

    /** Tensors of a directory: model.safetensors, or every shard named in model.safetensors.index.json. */
    static Map<String, HostTensor> readWeights(Path dir) {
        Path single = dir.resolve("model.safetensors");
        if (Files.isRegularFile(single)) return Safetensors.read(single).tensors();
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(index)) {
            String bins = "";
            try (Stream<Path> s = Files.list(dir)) {
                if (s.anyMatch(p -> p.getFileName().toString().endsWith(".bin"))) {
                    bins = " (PyTorch .bin weights are not read: convert them to safetensors)";
                }
            } catch (IOException ignored) {
                // only for the hint
            }
            throw new IllegalArgumentException(dir + " has neither model.safetensors nor model.safetensors.index.json" + bins);
        }
        JsonNode map = Json.read(index).path("weight_map");
        if (!map.isObject() || map.isEmpty()) {
            throw new IllegalArgumentException(index + ": field 'weight_map' is missing or empty");
        }
        Set<String> shards = new LinkedHashSet<>();
        map.properties().forEach(e -> shards.add(e.getValue().asText()));
        Map<String, HostTensor> all = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String shard : shards) {
            Path p = dir.resolve(shard);
            if (!Files.isRegularFile(p)) {
                problems.add("shard " + shard + " listed in " + index.getFileName() + " is missing");
                continue;
            }
            for (HostTensor t : Safetensors.read(p).tensors().values()) {
                if (all.put(t.name(), t) != null) problems.add("tensor " + t.name() + " appears in more than one shard");
                String listed = map.path(t.name()).asText(null);
                if (listed != null && !listed.equals(shard)) {
                    problems.add("tensor " + t.name() + " is in " + shard + " but the index lists " + listed);
                }
            }
        }
        map.properties().forEach(e -> {
            if (!all.containsKey(e.getKey()) && Files.isRegularFile(dir.resolve(e.getValue().asText()))) {
                problems.add("tensor " + e.getKey() + " listed in the index is not in " + e.getValue().asText());
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(index + ": " + problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
        }
        return all;
    }

    /** Backbone tensors under the family's prefix ({@code h.0.…} → {@code transformer.h.0.…}); heads keep their names. */
    static Map<String, HostTensor> canonical(Map<String, HostTensor> src, DecoderFamily family) {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (HostTensor t : src.values()) {
            String n = t.name();
            boolean head = n.startsWith("lm_head.") || n.startsWith("score.");
            String c = head || n.startsWith(family.prefix) ? n : family.prefix + n;
            out.put(c, c.equals(n) ? t : t.withName(c));
        }
        return out;
    }
}
