package dev.rlhf4j.model;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.bert.BertModels;
import dev.rlhf4j.model.decoder.DecoderCheckpoint;
import dev.rlhf4j.model.decoder.DecoderModels;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.text.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Where reward models come from: a pretrained backbone (a preset shipped on the classpath, a Hugging Face
 * checkpoint directory, a llama2.c file) with a fresh head, or a saved reward-model checkpoint. The family
 * ({@link ModelFamily}: BERT encoders or decoders) is chosen once here; it loads and saves its models.
 *
 * <p>A checkpoint directory holds {@code model.safetensors} (Hugging Face tensor names, head as
 * {@code score.weight}), {@code config.json} (the backbone's config plus {@code num_labels},
 * {@code pooling}, {@code max_length}), {@code tokenizer.json}, and {@code provenance.json}.
 */
public final class RewardModels {
    public static final String WEIGHTS = ModelFiles.WEIGHTS;
    public static final String PROVENANCE = ModelFiles.PROVENANCE;
    private static final String CONFIG = ModelFiles.CONFIG;

    /** Prefix of tensors trained beside a reward model (SwAV's prototypes): kept in checkpoints, not used to score. */
    public static final String AUXILIARY = "swav.";

    /**
     * A randomly initialised 2-layer, 32-wide BERT with the MiniLM vocabulary: not for real use, but a
     * whole pipeline runs on it in seconds (tests, smoke runs).
     */
    public static final String TINY_RANDOM = "tiny-random";

    private RewardModels() {}

    /**
     * A reward model on a pretrained backbone with a freshly initialised head.
     *
     * @param backbone a preset id ({@code minilm}, {@code bge-small}), {@link #TINY_RANDOM}, a Hugging Face BERT-family
     *                 or decoder directory, or a llama2.c {@code .bin}
     */
    public static RewardModel pretrained(String backbone, Device device, Pooling pooling, int maxLength, long headSeed) {
        if (isDecoder(backbone)) return DecoderModels.pretrained(Path.of(backbone), device, pooling, maxLength, headSeed);
        return BertModels.pretrained(backbone, device, pooling, maxLength, headSeed);
    }

    /** Whether a {@code --backbone} names a decoder (rather than a BERT preset, {@link #TINY_RANDOM} or a BERT directory). */
    public static boolean isDecoder(String backbone) {
        return BertModels.Preset.find(backbone) == null && !TINY_RANDOM.equals(backbone) && DecoderCheckpoint.isDecoder(Path.of(backbone));
    }

    /** The tokenizer of a preset, or a tokenizer.json file. */
    public static Tokenizer tokenizer(String presetOrPath) {
        return BertModels.tokenizer(presetOrPath);
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
        JsonNode cfg = Json.read(ModelFiles.require(dir, CONFIG));
        RewardModel rm = ModelFamily.of(cfg).loadRewardModel(dir, cfg, device);
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
        dev.rlhf4j.engine.Engines.collectLoadGarbage(); // the weights' host copies
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
        amend(dir, "reward normalisation", Json.MAPPER.writer(), cfg -> putNormalization(cfg, n), "normalization", provenance);
    }

    /**
     * Records a calibration in a saved checkpoint without rewriting its weights: {@code config.json} gets
     * {@code "calibration": block} and, when given, {@code provenance.json} gets {@code "calibration": provenance}
     * (what fitted it, with the SHA-256 of its data). Files are replaced atomically.
     */
    public static void writeCalibration(Path dir, ObjectNode block, ObjectNode provenance) {
        double t = block.path("temperature").asDouble(Double.NaN);
        if (!(t > 0) || Double.isInfinite(t)) throw new IllegalArgumentException("calibration temperature must be finite and positive, got " + t);
        amend(dir, "calibration", Json.PRETTY, cfg -> cfg.set(CALIBRATION, block), CALIBRATION, provenance);
    }

    /** Edits a checkpoint's config.json and sets {@code key} of its provenance.json (when given), each written by {@code writer}. */
    private static void amend(Path dir, String what, ObjectWriter writer, Consumer<ObjectNode> edit, String key, ObjectNode provenance) {
        try {
            ObjectNode cfg = (ObjectNode) Json.read(ModelFiles.require(dir, CONFIG));
            edit.accept(cfg);
            Json.writeAtomically(dir.resolve(CONFIG), writer.writeValueAsBytes(cfg));
            if (provenance != null) {
                Path p = dir.resolve(PROVENANCE);
                ObjectNode prov = Files.isRegularFile(p) && Json.read(p) instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
                prov.set(key, provenance);
                Json.writeAtomically(p, writer.writeValueAsBytes(prov));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the " + what + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes the rlhf4j keys every reward model's config.json ends with: backbone name, format, calibration, normalisation. */
    public static void putProvenanceKeys(ObjectNode o, RewardModel model) {
        o.put("backbone_name", model.backboneName());
        o.put("rlhf4j_format", 1);
        if (model.calibration() != null) o.set(CALIBRATION, model.calibration());
        if (model.normalization() != null) putNormalization(o, model.normalization());
    }

    /** Writes a checkpoint into {@code dir} (created if needed), through its family; files are replaced atomically. */
    public static void save(RewardModel model, Path dir, ObjectNode provenance) {
        if (model.adapter() != null) { // LoRA: the adapter in PEFT's layout, not the whole model
            Adapters.save(model, dir, provenance);
            return;
        }
        model.backbone().family().saveRewardModel(model, dir, provenance);
    }
}
