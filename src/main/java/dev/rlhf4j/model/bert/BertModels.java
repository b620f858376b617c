package dev.rlhf4j.model.bert;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelFamily;
import dev.rlhf4j.model.ModelFiles;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.OnnxInitializers;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Where BERT-family reward models come from and go to: the presets shipped on the classpath, Hugging Face
 * BERT / RoBERTa directories, random encoders, and saved reward-model checkpoints ({@code BertForRewardModel}).
 */
public final class BertModels implements ModelFamily {
    public static final BertModels FAMILY = new BertModels();

    /** Tensors a BERT export may carry that a reward model does not use. */
    private static final Predicate<String> IGNORABLE = n -> n.startsWith("pooler.") || n.startsWith("cls.")
            || n.startsWith("classifier.") || n.startsWith("score.") || n.endsWith("position_ids") || n.startsWith(RewardModels.AUXILIARY);

    private BertModels() {}

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

        Tokenizer newTokenizer() {
            return Tokenizer.fromBytes(ModelFiles.resource(tokenizer), id + " tokenizer");
        }

        public static Preset find(String name) {
            for (Preset p : values()) if (p.id.equalsIgnoreCase(name)) return p;
            return null;
        }

        public static List<String> ids() {
            return Arrays.stream(values()).map(p -> p.id).toList();
        }
    }

    /**
     * A reward model on a pretrained encoder with a freshly initialised head.
     *
     * @param backbone a preset id, {@link RewardModels#TINY_RANDOM}, or a Hugging Face BERT-family directory with
     *                 config.json, model.safetensors and tokenizer.json
     */
    public static RewardModel pretrained(String backbone, Device device, Pooling pooling, int maxLength, long headSeed) {
        if (RewardModels.TINY_RANDOM.equals(backbone)) {
            return randomInit(new BertConfig(30522, 32, 2, 2, 64, 512, 2, 1e-12, 0.0, 0.0), tokenizer("minilm"), device,
                    pooling, maxLength, headSeed);
        }
        Preset preset = Preset.find(backbone);
        BertConfig config;
        Map<String, HostTensor> weights;
        if (preset != null) {
            config = preset.config();
            weights = OnnxInitializers.loadBertWeightsFromResource(preset.onnx);
        } else {
            Path dir = Path.of(backbone);
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException("backbone '" + backbone + "' is neither a preset ("
                        + String.join(", ", Preset.ids()) + ", " + RewardModels.TINY_RANDOM + "), a directory, nor a llama2.c .bin file");
            }
            JsonNode cfg = Json.read(ModelFiles.require(dir, ModelFiles.CONFIG));
            String type = cfg.path("model_type").asText("bert");
            if (!List.of("bert", "roberta", "xlm-roberta", "").contains(type)) {
                throw new IllegalArgumentException(dir.resolve(ModelFiles.CONFIG) + ": model_type '" + type
                        + "' is neither a BERT-family encoder nor a supported decoder (llama, mistral, qwen2, qwen3, gemma2, gpt2)");
            }
            config = BertConfig.fromJson(cfg);
            weights = Safetensors.read(ModelFiles.require(dir, ModelFiles.WEIGHTS)).tensors();
        }
        Tokenizer tokenizer = preset != null ? preset.newTokenizer() : Tokenizer.fromFile(ModelFiles.require(Path.of(backbone), ModelFiles.TOKENIZER));
        return build(config, tokenizer, weights, false, device, pooling, maxLength, backbone, headSeed);
    }

    /** The tokenizer of a preset, or a tokenizer.json file (or the directory holding one). */
    public static Tokenizer tokenizer(String presetOrPath) {
        Preset preset = Preset.find(presetOrPath);
        if (preset != null) return preset.newTokenizer();
        Path p = Path.of(presetOrPath);
        return Tokenizer.fromFile(Files.isDirectory(p) ? ModelFiles.require(p, ModelFiles.TOKENIZER) : p);
    }

    /** A reward model with a randomly initialised encoder of the given shape (tests, training from scratch). */
    public static RewardModel randomInit(BertConfig config, Tokenizer tokenizer, Device device, Pooling pooling,
                                         int maxLength, long seed) {
        NDManager manager = Engines.newManager(device);
        BertEncoder encoder = new BertEncoder(manager, config);
        encoder.initRandom(seed);
        return new RewardModel(manager, encoder, pooling, new SequenceEncoder(tokenizer, maxLength), "random", seed);
    }

    @Override
    public RewardModel loadRewardModel(Path dir, JsonNode cfg, Device device) {
        if (cfg.path("num_labels").asInt(0) != 1 || !cfg.has("pooling")) {
            throw new IllegalArgumentException(dir.resolve(ModelFiles.CONFIG) + " is not a reward-model config "
                    + "(needs num_labels: 1 and pooling); to start from a pretrained encoder use --backbone");
        }
        Tokenizer tokenizer = Tokenizer.fromFile(ModelFiles.require(dir, ModelFiles.TOKENIZER));
        Map<String, HostTensor> weights = Safetensors.read(ModelFiles.require(dir, ModelFiles.WEIGHTS)).tensors();
        return build(BertConfig.fromJson(cfg), tokenizer, weights, true, device, Pooling.parse(cfg.path("pooling").asText()),
                cfg.path("max_length").asInt(512), cfg.path("backbone_name").asText(dir.toString()), 0);
    }

    /**
     * An encoder of {@code config} with {@code weights} under a head: {@code score.weight} from the weights when
     * {@code loadHead} (a saved reward model), else initialised from {@code headSeed}.
     */
    private static RewardModel build(BertConfig config, Tokenizer tokenizer, Map<String, HostTensor> weights, boolean loadHead,
                                     Device device, Pooling pooling, int maxLength, String name, long headSeed) {
        NDManager manager = Engines.newManager(device);
        try {
            BertEncoder encoder = new BertEncoder(manager, config);
            RewardModel model = new RewardModel(manager, encoder, pooling, new SequenceEncoder(tokenizer, maxLength), name, headSeed);
            (loadHead ? model.parameters() : encoder.parameters()).load(weights, List.of("bert."), IGNORABLE);
            return model;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public boolean isDecoder() {
        return false;
    }

    @Override
    public void saveRewardModel(RewardModel model, Path dir, ObjectNode provenance) {
        ModelFiles.write(dir, model.parameters(), rewardModelConfig(model), model.encoder().tokenizer(), null, provenance);
    }

    @Override
    public ObjectNode rewardModelConfig(RewardModel model) {
        ObjectNode o = model.backbone().configJson();
        o.putArray("architectures").add("BertForRewardModel");
        o.put("num_labels", 1);
        o.put("pooling", model.pooling().name().toLowerCase());
        o.put("max_length", model.encoder().maxLength());
        o.put("pad_token_id", model.encoder().padId());
        RewardModels.putProvenanceKeys(o, model);
        return o;
    }
}
