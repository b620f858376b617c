package dev.rlhf4j.model;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.bert.BertConfig;
import dev.rlhf4j.model.bert.BertEncoder;
import dev.rlhf4j.model.decoder.Decoder;
import dev.rlhf4j.model.decoder.DecoderCheckpoint;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.DecoderFamily;
import dev.rlhf4j.model.decoder.DecoderTokens;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.OnnxInitializers;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.PromptRenderer;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.Tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where reward models come from: a pretrained backbone (a preset shipped on the classpath, or a
 * Hugging Face checkpoint directory) with a fresh head, or a saved reward-model checkpoint.
 *
 * <p>A checkpoint directory holds {@code model.safetensors} (Hugging Face tensor names, head as
 * {@code score.weight}), {@code config.json} (the backbone's config plus {@code num_labels},
 * {@code pooling}, {@code max_length}), {@code tokenizer.json}, and {@code provenance.json}.
 */
public final class RewardModels {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String PROVENANCE = "provenance.json";
    static final ObjectMapper JSON = Json.MAPPER;

    /** Prefix of tensors trained beside a reward model (SwAV's prototypes): kept in checkpoints, not used to score. */
    public static final String AUXILIARY = "swav.";

    /** Tensors a BERT export may carry that a reward model does not use. */
    private static final Predicate<String> BERT_IGNORABLE = n -> n.startsWith("pooler.") || n.startsWith("cls.")
            || n.startsWith("classifier.") || n.startsWith("score.") || n.endsWith("position_ids") || n.startsWith(AUXILIARY);


    /**
     * A randomly initialised 2-layer, 32-wide BERT with the MiniLM vocabulary: not for real use, but a
     * whole pipeline runs on it in seconds (tests, smoke runs).
     */
    public static final String TINY_RANDOM = "tiny-random";

    private RewardModels() {}

    /** A pretrained backbone that ships with rlhf4j (weights read from a Maven artifact's resources). */
    public enum Preset {
        MINILM("minilm", "sentence-transformers/all-MiniLM-L6-v2", "/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json"),
        BGE_SMALL("bge-small", "BAAI/bge-small-en-v1.5", "/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json");

        public final String id;
        public final String origin;
        final String onnx;
        final String tokenizer;

        Preset(String id, String origin, String onnx, String tokenizer) {
            this.id = id;
            this.origin = origin;
            this.onnx = onnx;
            this.tokenizer = tokenizer;
        }

        BertConfig config() {
            return this == MINILM ? BertConfig.miniLmL6() : BertConfig.bgeSmall();
        }

        public static Preset find(String name) {
            for (Preset p : values()) if (p.id.equalsIgnoreCase(name)) return p;
            return null;
        }
    }

    /**
     * A reward model on a pretrained backbone with a freshly initialised head.
     *
     * @param backbone a preset id ({@code minilm}, {@code bge-small}) or a Hugging Face BERT-family
     *                 directory with config.json, model.safetensors and tokenizer.json
     */
    public static RewardModel pretrained(String backbone, Device device, Pooling pooling, int maxLength, long headSeed) {
        if (TINY_RANDOM.equals(backbone)) {
            return randomInit(new BertConfig(30522, 32, 2, 2, 64, 512, 2, 1e-12, 0.0, 0.0), tokenizer("minilm"), device,
                    pooling, maxLength, headSeed);
        }
        if (Preset.find(backbone) == null && DecoderCheckpoint.isDecoder(Path.of(backbone))) {
            if (pooling != Pooling.LAST) {
                throw new IllegalArgumentException("a decoder backbone reads the reward at the last real token: use --pooling last (got "
                        + pooling.name().toLowerCase() + ")");
            }
            return decoder(DecoderCheckpoint.read(Path.of(backbone)).forTraining(), device, maxLength, headSeed, false, backbone);
        }
        NDManager manager = Engines.newManager(device);
        try {
            Preset preset = Preset.find(backbone);
            BertConfig config;
            Map<String, HostTensor> weights;
            Tokenizer tokenizer;
            if (preset != null) {
                config = preset.config();
                weights = OnnxInitializers.loadBertWeightsFromResource(preset.onnx);
                tokenizer = Tokenizer.fromBytes(resource(preset.tokenizer), preset.id + " tokenizer");
            } else {
                Path dir = Path.of(backbone);
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("backbone '" + backbone + "' is neither a preset ("
                            + String.join(", ", presetIds()) + ", " + TINY_RANDOM + "), a directory, nor a llama2.c .bin file");
                }
                JsonNode cfg = readJson(require(dir, CONFIG));
                String type = cfg.path("model_type").asText("bert");
                if (!List.of("bert", "roberta", "xlm-roberta", "").contains(type)) {
                    throw new IllegalArgumentException(dir.resolve(CONFIG) + ": model_type '" + type
                            + "' is neither a BERT-family encoder nor a supported decoder (llama, mistral, qwen2, qwen3, gemma2, gpt2)");
                }
                config = BertConfig.fromJson(cfg);
                weights = Safetensors.read(require(dir, WEIGHTS)).tensors();
                tokenizer = Tokenizer.fromFile(require(dir, TOKENIZER));
            }
            BertEncoder encoder = new BertEncoder(manager, config);
            encoder.parameters().load(weights, List.of("bert."), BERT_IGNORABLE);
            return new RewardModel(manager, encoder, pooling, new SequenceEncoder(tokenizer, maxLength), backbone, headSeed);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The tokenizer of a preset, or a tokenizer.json file. */
    public static Tokenizer tokenizer(String presetOrPath) {
        Preset preset = Preset.find(presetOrPath);
        if (preset != null) return Tokenizer.fromBytes(resource(preset.tokenizer), preset.id + " tokenizer");
        Path p = Path.of(presetOrPath);
        return Tokenizer.fromFile(Files.isDirectory(p) ? require(p, TOKENIZER) : p);
    }

    public static List<String> presetIds() {
        return java.util.Arrays.stream(Preset.values()).map(p -> p.id).toList();
    }

    /** A reward model with a randomly initialised encoder of the given shape (tests, training from scratch). */
    public static RewardModel randomInit(BertConfig config, Tokenizer tokenizer, Device device, Pooling pooling,
                                         int maxLength, long seed) {
        NDManager manager = Engines.newManager(device);
        BertEncoder encoder = new BertEncoder(manager, config);
        encoder.initRandom(seed);
        return new RewardModel(manager, encoder, pooling, new SequenceEncoder(tokenizer, maxLength), "random", seed);
    }

    /** The {@code config.json} key of a checkpoint's calibration: {@code temperature} and how it was fitted. */
    public static final String CALIBRATION = "calibration";

    /** Loads a saved reward-model checkpoint; its rewards come out on the calibrated scale when it has a calibration. */
    public static RewardModel load(Path dir, Device device) {
        return load(dir, device, true);
    }

    /**
     * Loads a saved reward-model checkpoint.
     *
     * @param calibrated put scored rewards on the checkpoint's output scale: (r − mean) / std when its config has
     *                   OpenRLHF's {@code normalize_reward}, else divided by its calibrated temperature (if it has one);
     *                   false reads raw rewards (both stay attached, see {@link RewardModel#calibration()} and
     *                   {@link RewardModel#normalization()})
     */
    public static RewardModel load(Path dir, Device device, boolean calibrated) {
        if (Adapters.isAdapter(dir)) return Adapters.loadRewardModel(null, dir, device); // a PEFT LoRA adapter on its base
        JsonNode cfg = readJson(require(dir, CONFIG));
        RewardModel rm = loadUncalibrated(dir, cfg, device);
        JsonNode cal = cfg.get(CALIBRATION);
        if (cal != null && !cal.isNull()) {
            try {
                if (!cal.isObject()) throw new IllegalArgumentException("'" + CALIBRATION + "' must be an object");
                rm.withCalibration((ObjectNode) cal);
            } catch (IllegalArgumentException e) {
                rm.close();
                throw new IllegalArgumentException(dir.resolve(CONFIG) + ": " + e.getMessage(), e);
            }
        }
        try {
            RewardNormalization n = normalization(cfg);
            if (n != null) rm.withNormalization(n);
        } catch (IllegalArgumentException e) {
            rm.close();
            throw new IllegalArgumentException(dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        if (!calibrated) rm.uncalibrated();
        return rm;
    }

    /**
     * The normalisation a config asks for: {@code normalize_reward: true} with {@code mean} and {@code std} (each
     * defaulting to 0 and 1 as in OpenRLHF's reward model when absent); null when {@code normalize_reward} is absent or false.
     */
    static RewardNormalization normalization(JsonNode cfg) {
        JsonNode flag = cfg.get(RewardNormalization.FLAG);
        if (flag == null || flag.isNull()) return null;
        if (!flag.isBoolean()) throw new IllegalArgumentException("'" + RewardNormalization.FLAG + "' must be true or false, got " + flag);
        if (!flag.booleanValue()) return null;
        return new RewardNormalization(number(cfg, RewardNormalization.MEAN, 0), number(cfg, RewardNormalization.STD, 1));
    }

    private static double number(JsonNode cfg, String field, double absent) {
        JsonNode v = cfg.get(field);
        if (v == null || v.isNull()) return absent;
        if (!v.isNumber()) throw new IllegalArgumentException("'" + field + "' must be a number, got " + v);
        return v.asDouble();
    }

    /** Writes a normalisation's OpenRLHF keys ({@code normalize_reward}, {@code mean}, {@code std}) into a config. */
    static void putNormalization(ObjectNode cfg, RewardNormalization n) {
        cfg.put(RewardNormalization.FLAG, true);
        cfg.put(RewardNormalization.MEAN, n.mean());
        cfg.put(RewardNormalization.STD, n.std());
    }

    /**
     * Records a reward normalisation in a saved checkpoint without rewriting its weights: {@code config.json} gets
     * OpenRLHF's {@code normalize_reward: true}, {@code mean} and {@code std}; when given, {@code provenance.json} gets
     * {@code "normalization": provenance}. Files are replaced atomically.
     */
    public static void writeNormalization(Path dir, RewardNormalization n, ObjectNode provenance) {
        try {
            ObjectNode cfg = (ObjectNode) readJson(require(dir, CONFIG));
            putNormalization(cfg, n);
            Json.writeAtomically(dir.resolve(CONFIG), JSON.writeValueAsBytes(cfg));
            if (provenance != null) {
                Path p = dir.resolve(PROVENANCE);
                ObjectNode prov = Files.isRegularFile(p) && readJson(p) instanceof ObjectNode o ? o : JSON.createObjectNode();
                prov.set("normalization", provenance);
                Json.writeAtomically(p, JSON.writeValueAsBytes(prov));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reward normalisation to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Records a calibration in a saved checkpoint without rewriting its weights: {@code config.json} gets
     * {@code "calibration": block} and, when given, {@code provenance.json} gets {@code "calibration": provenance}
     * (what fitted it, with the SHA-256 of its data). Files are replaced atomically.
     */
    public static void writeCalibration(Path dir, ObjectNode block, ObjectNode provenance) {
        double t = block.path("temperature").asDouble(Double.NaN);
        if (!(t > 0) || Double.isInfinite(t)) throw new IllegalArgumentException("calibration temperature must be finite and positive, got " + t);
        try {
            ObjectNode cfg = (ObjectNode) readJson(require(dir, CONFIG));
            cfg.set(CALIBRATION, block);
            Json.writeAtomically(dir.resolve(CONFIG), Json.PRETTY.writeValueAsBytes(cfg));
            if (provenance != null) {
                Path p = dir.resolve(PROVENANCE);
                ObjectNode prov = Files.isRegularFile(p) && readJson(p) instanceof ObjectNode o ? o : JSON.createObjectNode();
                prov.set(CALIBRATION, provenance);
                Json.writeAtomically(p, Json.PRETTY.writeValueAsBytes(prov));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the calibration to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static RewardModel loadUncalibrated(Path dir, JsonNode cfg, Device device) {
        if (DecoderConfig.isDecoder(cfg)) {
            // An rlhf4j decoder RM, or a published *ForSequenceClassification reward model.
            if (!DecoderFamily.isSequenceClassifier(cfg) || cfg.path("num_labels").asInt(1) != 1
                    && cfg.path("id2label").size() != 1) {
                throw new IllegalArgumentException(dir.resolve(CONFIG) + " is not a reward model (needs a *ForSequenceClassification "
                        + "architecture with one label); to start from a language model use --backbone");
            }
            DecoderCheckpoint ck = DecoderCheckpoint.readHf(dir);
            int maxLength = cfg.path("max_length").asInt(Math.min(ck.config().maxPositions(), 1024));
            return decoder(ck, device, maxLength, 0, true, cfg.path("backbone_name").asText(dir.toString()));
        }
        if (cfg.path("num_labels").asInt(0) != 1 || !cfg.has("pooling")) {
            throw new IllegalArgumentException(dir.resolve(CONFIG) + " is not a reward-model config "
                    + "(needs num_labels: 1 and pooling); to start from a pretrained encoder use --backbone");
        }
        Tokenizer tokenizer = Tokenizer.fromFile(require(dir, TOKENIZER));
        Map<String, HostTensor> weights = Safetensors.read(require(dir, WEIGHTS)).tensors();
        return fromWeights(cfg, tokenizer, weights, device, cfg.path("backbone_name").asText(dir.toString()));
    }

    /** Builds a model from a reward-model config and a full set of weights (checkpoint or resume state). */
    public static RewardModel fromWeights(JsonNode cfg, Tokenizer tokenizer, Map<String, HostTensor> weights,
                                          Device device, String backboneName) {
        NDManager manager = Engines.newManager(device);
        try {
            BertEncoder encoder = new BertEncoder(manager, BertConfig.fromJson(cfg));
            RewardModel model = new RewardModel(manager, encoder, Pooling.parse(cfg.path("pooling").asText()),
                    new SequenceEncoder(tokenizer, cfg.path("max_length").asInt(512)), backboneName, 0);
            model.parameters().load(weights, List.of("bert."), BERT_IGNORABLE);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * A reward model on a decoder checkpoint: reward at the last real token of {@code [BOS] dialogue EOS}.
     *
     * @param loadHead take {@code score.weight} from the checkpoint (a saved or published reward model) rather
     *                 than initialising it from {@code headSeed}
     */
    public static RewardModel decoder(DecoderCheckpoint ck, Device device, int maxLength, long headSeed, boolean loadHead,
                                      String name) {
        DecoderConfig c = ck.config();
        if (maxLength > c.maxPositions()) {
            throw new IllegalArgumentException("--max-length " + maxLength + " exceeds the model's max_position_embeddings "
                    + c.maxPositions() + " (" + ck.source() + ")");
        }
        NDManager manager = Engines.newManager(device);
        Tokenizer tok = null;
        try {
            tok = ck.tokenizer();
            Decoder d = Decoder.create(manager, c);
            RewardModel rm = new RewardModel(manager, d, Pooling.LAST, decoderEncoder(c, tok, ck.tokenizerConfig(), maxLength),
                    name, headSeed).withTokenizerConfig(ck.tokenizerConfig());
            if (loadHead) {
                rm.parameters().load(ck.tensors(), List.of(), n -> n.startsWith(AUXILIARY) || DecoderCheckpoint.NOT_BACKBONE.test(n));
            } else {
                d.parameters().load(ck.tensors(), List.of(), DecoderCheckpoint.NOT_BACKBONE);
            }
            return rm;
        } catch (RuntimeException e) {
            if (tok != null) tok.close();
            manager.close();
            throw e;
        }
    }

    /**
     * A decoder reward model with random weights of {@code config}'s shape (training from scratch): the same
     * layout and specials as a loaded one.
     */
    public static RewardModel decoderScratch(DecoderConfig config, Tokenizer tok, Device device, int maxLength, long seed,
                                             String name) {
        NDManager manager = Engines.newManager(device);
        Decoder d = Decoder.create(manager, config);
        d.initRandom(seed);
        return new RewardModel(manager, d, Pooling.LAST, decoderEncoder(config, tok, null, maxLength), name, seed);
    }

    /**
     * The decoder layout: BOS where the model uses one, EOS appended, the config's pad id (else {@code <unk>},
     * else EOS: rewards read the last real token from the mask, so any pad gives the same rewards), and the
     * checkpoint's chat template when its tokenizer config has one.
     */
    static SequenceEncoder decoderEncoder(DecoderConfig c, Tokenizer tok, JsonNode tokenizerConfig, int maxLength) {
        int pad = c.padId() >= 0 ? c.padId() : tok.idOf("<unk>") >= 0 ? tok.idOf("<unk>") : c.eosId();
        PromptRenderer renderer = dev.rlhf4j.text.ChatTemplates.renderer(tokenizerConfig);
        return SequenceEncoder.forDecoder(tok, maxLength,
                new SequenceEncoder.Decoding(c.addBos() ? c.bosId() : -1, c.eosId(), pad, renderer));
    }

    /** The reward model's {@code config.json}. */
    public static ObjectNode config(RewardModel model) {
        if (model.backbone() instanceof Decoder d) {
            DecoderConfig c = d.config().withPadId(model.encoder().padId());
            ObjectNode o = c.toJson(c.family().sequenceClassificationClass());
            o.put("num_labels", 1);
            o.putObject("id2label").put("0", "LABEL_0");
            o.putObject("label2id").put("LABEL_0", 0);
            o.put("pooling", "last");
            o.put("max_length", model.encoder().maxLength());
            o.put("backbone_name", model.backboneName());
            o.put("rlhf4j_format", 1);
            if (model.calibration() != null) o.set(CALIBRATION, model.calibration());
            if (model.normalization() != null) putNormalization(o, model.normalization());
            return o;
        }
        ObjectNode o = model.backbone().configJson();
        o.putArray("architectures").add("BertForRewardModel");
        o.put("num_labels", 1);
        o.put("pooling", model.pooling().name().toLowerCase());
        o.put("max_length", model.encoder().maxLength());
        o.put("pad_token_id", model.encoder().padId());
        o.put("backbone_name", model.backboneName());
        o.put("rlhf4j_format", 1);
        if (model.calibration() != null) o.set(CALIBRATION, model.calibration());
        if (model.normalization() != null) putNormalization(o, model.normalization());
        return o;
    }

    /**
     * Writes a checkpoint into {@code dir} (created if needed). Each file is written to a temporary
     * name and moved into place atomically, so a kill never leaves a half-written file.
     */
    public static void save(RewardModel model, Path dir, ObjectNode provenance) {
        if (model.adapter() != null) { // LoRA: the adapter in PEFT's layout, not the whole model
            Adapters.save(model, dir, provenance);
            return;
        }
        try {
            Files.createDirectories(dir);
            Map<String, String> meta = new java.util.LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("producer", "rlhf4j");
            Safetensors.write(dir.resolve(WEIGHTS), model.parameters().toHost(), meta);
            Json.writeAtomically(dir.resolve(CONFIG), Json.PRETTY.writeValueAsBytes(config(model)));
            Json.writeAtomically(dir.resolve(TOKENIZER), model.encoder().tokenizer().json());
            if (model.backbone() instanceof Decoder d) {
                DecoderConfig c = d.config().withPadId(model.encoder().padId());
                Json.writeAtomically(dir.resolve("tokenizer_config.json"), Json.PRETTY.writeValueAsBytes(
                        DecoderTokens.tokenizerConfig(c, model.encoder().tokenizer(), model.tokenizerConfig())));
            }
            if (provenance != null) Json.writeAtomically(dir.resolve(PROVENANCE), Json.PRETTY.writeValueAsBytes(provenance));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    static Path require(Path dir, String file) {
        Path p = dir.resolve(file);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(dir + " has no " + file);
        }
        return p;
    }

    public static JsonNode readJson(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = RewardModels.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is not on the classpath (is the Maven artifact with the pretrained weights missing?)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
