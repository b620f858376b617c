package dev.rlhf4j.model.lora;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.ModelFiles;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.DecoderCheckpoint;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.DecoderFamily;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PEFT adapter directories ({@code adapter_config.json} + {@code adapter_model.safetensors}): loaded onto a base reward
 * model or causal LM, saved so that {@code PeftModel.from_pretrained} on the transformers base reads them, merged.
 */
public final class Adapters {
    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** The reward model's config.json (max length, pad id, pooling) beside a saved adapter: rlhf4j reads it, PEFT ignores it. */
    public static final String REWARD_CONFIG = "rlhf4j_reward_model.json";
    /**
     * {@link #REWARD_CONFIG} key of an adapter whose base is a checkpoint with another adapter merged into it (PPO's
     * LoRA critic over a policy or reward model that was itself an adapter): {@code {"model": DIR, "adapter": DIR}};
     * {@code base_model_name_or_path} is then empty. Read when no base is given.
     */
    public static final String MERGED_BASE = "merged_base";

    private Adapters() {}

    /** Whether {@code dir} is a PEFT adapter directory. */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** The weights file of a reward-model checkpoint or of an adapter directory (for provenance). */
    public static Path weightsOf(Path dir) {
        return dir.resolve(isAdapter(dir) ? WEIGHTS : RewardModels.WEIGHTS);
    }

    /** A PEFT tensor name as the model names it: without {@code base_model.model.}, {@code .default} or {@code .modules_to_save.default}. */
    static String ourName(String peft) {
        String n = peft.startsWith(LoraAdapter.PEFT_PREFIX) ? peft.substring(LoraAdapter.PEFT_PREFIX.length()) : peft;
        return n.replace(".modules_to_save.default.", ".").replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.");
    }

    /**
     * The base model an adapter names ({@code base_model_name_or_path}): a path relative to the adapter directory when
     * one exists there, else as written.
     */
    public static Path baseOf(Path adapterDir) {
        String base = LoraConfig.read(adapterDir.resolve(CONFIG)).baseModel();
        if (base.isEmpty()) throw new IllegalArgumentException(adapterDir.resolve(CONFIG) + " names no base_model_name_or_path: pass --model BASE");
        if (dev.rlhf4j.model.bert.BertModels.Preset.find(base) != null) return Path.of(base); // a preset id, loaded from the classpath
        Path beside = adapterDir.resolve(base).normalize();
        return Files.exists(beside) ? beside : Path.of(base);
    }

    /**
     * A reward model: {@code base} (a *ForSequenceClassification checkpoint, or a backbone whose head the adapter
     * carries in {@code modules_to_save}) with the SEQ_CLS adapter of {@code adapterDir} attached.
     *
     * @param base the base directory, or null for the adapter's {@code base_model_name_or_path}
     */
    public static RewardModel loadRewardModel(Path base, Path adapterDir, Device device) {
        return loadRewardModel(base, adapterDir, device, true);
    }

    /**
     * What a command's {@code --model} and {@code --adapter} name: the checkpoint {@code model} alone when
     * {@code adapter} is null, else {@code model} as the base under the adapter.
     */
    public static RewardModel rewardModel(Path model, Path adapter, Device device, boolean calibrated) {
        return adapter == null ? RewardModels.load(model, device, calibrated) : loadRewardModel(model, adapter, device, calibrated);
    }

    /** {@link #loadRewardModel(Path, Path, Device)}, with the base's calibration applied or not (see {@link RewardModels#load(Path, Device, boolean)}). */
    public static RewardModel loadRewardModel(Path base, Path adapterDir, Device device, boolean calibrated) {
        LoraConfig cfg = LoraConfig.read(adapterDir.resolve(CONFIG));
        if (!cfg.taskType().equals(LoraConfig.SEQ_CLS)) {
            throw new IllegalArgumentException(adapterDir + " is a " + cfg.taskType() + " adapter, not a reward model's (SEQ_CLS)");
        }
        JsonNode rc = base == null && cfg.baseModel().isEmpty() && Files.isRegularFile(adapterDir.resolve(REWARD_CONFIG))
                ? Json.read(adapterDir.resolve(REWARD_CONFIG)) : null;
        JsonNode merged = rc != null ? rc.get(MERGED_BASE) : null;
        RewardModel rm = merged != null && merged.isObject()
                ? mergedBase(Path.of(merged.path("model").asText()), Path.of(merged.path("adapter").asText()),
                        rc.path("max_length").asInt(1024), device, calibrated)
                : baseFor(adapterDir, base != null ? base : baseOf(adapterDir), device, calibrated);
        try {
            attach(rm, cfg, adapterDir);
            return rm;
        } catch (RuntimeException e) {
            rm.close();
            throw e;
        }
    }

    /** The base reward model an adapter goes on: a sequence-classifier checkpoint as saved, else the backbone {@code b} with a head. */
    private static RewardModel baseFor(Path adapterDir, Path b, Device device, boolean calibrated) {
        JsonNode baseCfg = Files.isRegularFile(b.resolve(ModelFiles.CONFIG)) ? Json.read(b.resolve(ModelFiles.CONFIG)) : null;
        RewardModel rm;
        if (baseCfg != null && DecoderConfig.isDecoder(baseCfg) && DecoderFamily.isSequenceClassifier(baseCfg)) {
            rm = RewardModels.load(b, device, calibrated);
        } else { // a backbone (a directory or a preset id): pooling and length as the reward model was trained
            JsonNode saved = Files.isRegularFile(adapterDir.resolve(REWARD_CONFIG)) ? Json.read(adapterDir.resolve(REWARD_CONFIG)) : null;
            boolean decoder = DecoderCheckpoint.isDecoder(b);
            int maxPositions = decoder ? DecoderCheckpoint.read(b).config().maxPositions() : 512;
            int maxLength = saved != null ? saved.path("max_length").asInt(1024) : Math.min(maxPositions, 1024);
            Pooling pooling = saved != null && saved.has("pooling") ? Pooling.parse(saved.path("pooling").asText())
                    : decoder ? Pooling.LAST : Pooling.CLS;
            rm = RewardModels.pretrained(b.toString(), device, pooling, maxLength, 0);
        }
        return rm;
    }

    /**
     * A fresh adapter on {@code rm}'s backbone, initialised as PEFT does from {@code seed} (B = 0: the model starts as
     * the base); its {@code base_model_name_or_path} is {@code cfg}'s when set (a reward-model checkpoint adapted further),
     * else the backbone's absolute path. Closes {@code rm} on failure.
     */
    public static RewardModel attachNew(RewardModel rm, LoraConfig cfg, long seed) {
        try {
            Path p = Path.of(rm.backboneName());
            String base = !cfg.baseModel().isEmpty() ? cfg.baseModel()
                    : Files.exists(p) ? p.toAbsolutePath().normalize().toString() : rm.backboneName();
            LoraAdapter a = LoraAdapter.create(rm.manager(), rm.backbone().parameters(), cfg.withBaseModel(base));
            a.initialise(seed ^ 0x4C6F5241L); // a stream apart from the head's
            return rm.withAdapter(a);
        } catch (RuntimeException e) {
            rm.close();
            throw e;
        }
    }

    /**
     * A {@link #MERGED_BASE}: the reward model {@code model} with the SEQ_CLS {@code adapter} merged, or the decoder of
     * the language model {@code model} (pooled at its last token, {@code maxLength} tokens) with the CAUSAL_LM {@code adapter} merged.
     */
    private static RewardModel mergedBase(Path model, Path adapter, int maxLength, Device device, boolean calibrated) {
        LoraConfig ac = LoraConfig.read(adapter.resolve(CONFIG));
        if (ac.taskType().equals(LoraConfig.SEQ_CLS)) {
            RewardModel rm = loadRewardModel(model, adapter, device, calibrated);
            merge(rm);
            return rm;
        }
        RewardModel rm = RewardModels.pretrained(model.toString(), device, Pooling.LAST, maxLength, 0);
        try {
            LoraAdapter a = LoraAdapter.create(rm.manager(), rm.backbone().parameters(), ac);
            a.load(Safetensors.read(adapter.resolve(WEIGHTS)).tensors());
            a.mergeInto(rm.backbone().parameters());
            return rm;
        } catch (RuntimeException e) {
            rm.close();
            throw e;
        }
    }

    private static void attach(RewardModel rm, LoraConfig cfg, Path adapterDir) {
        Map<String, HostTensor> tensors = Safetensors.read(adapterDir.resolve(WEIGHTS)).tensors();
        LoraAdapter a = LoraAdapter.create(rm.manager(), rm.backbone().parameters(), cfg);
        a.load(tensors);
        loadSaved(tensors, rm.parameters(), adapterDir);
        rm.withAdapter(a);
    }

    /** The modules_to_save tensors (a head) over the model's own: every one must name a parameter of the model. */
    private static void loadSaved(Map<String, HostTensor> tensors, ModelParameters model, Path adapterDir) {
        List<String> unknown = new ArrayList<>();
        Map<String, HostTensor> saved = new LinkedHashMap<>();
        for (HostTensor t : tensors.values()) {
            String n = ourName(t.name());
            if (n.contains(".lora_A.") || n.contains(".lora_B.")) continue;
            if (!model.asMap().containsKey(n)) unknown.add(t.name());
            else saved.put(n, t);
        }
        if (!unknown.isEmpty()) throw new IllegalArgumentException(adapterDir.resolve(WEIGHTS) + ": tensors the model does not have: " + unknown);
        for (Map.Entry<String, HostTensor> e : saved.entrySet()) {
            long[] want = model.get(e.getKey()).getShape().getShape();
            if (!java.util.Arrays.equals(want, e.getValue().shape())) {
                throw new IllegalArgumentException(adapterDir.resolve(WEIGHTS) + ": shape of " + e.getKey() + " is "
                        + java.util.Arrays.toString(e.getValue().shape()) + ", the model's " + java.util.Arrays.toString(want));
            }
            Engines.assign(model.get(e.getKey()), e.getValue().data());
        }
    }

    /** A causal LM {@code base} (or the adapter's base) with the CAUSAL_LM adapter of {@code adapterDir} attached. */
    public static CausalLm loadCausalLm(Path base, Path adapterDir, Device device) {
        LoraConfig cfg = LoraConfig.read(adapterDir.resolve(CONFIG));
        if (!cfg.taskType().equals(LoraConfig.CAUSAL_LM)) {
            throw new IllegalArgumentException(adapterDir + " is a " + cfg.taskType() + " adapter, not a language model's (CAUSAL_LM)");
        }
        Path b = base != null ? base : baseOf(adapterDir);
        CausalLm lm = CausalLm.load(b, device);
        try {
            Map<String, HostTensor> tensors = Safetensors.read(adapterDir.resolve(WEIGHTS)).tensors();
            // the base as loaded, so that the adapter saved after further training (ppo) names it from anywhere
            if (Files.exists(b)) cfg = cfg.withBaseModel(b.toAbsolutePath().normalize().toString());
            LoraAdapter a = LoraAdapter.create(lm.manager(), lm.decoder().parameters(), cfg);
            a.load(tensors);
            loadSaved(tensors, lm.parameters(), adapterDir);
            lm.decoder().adapt(a);
            return lm;
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** Merges the reward model's adapter into its backbone (W += (α/r)·B·A) and detaches it: a plain reward model after. */
    public static void merge(RewardModel rm) {
        LoraAdapter a = rm.adapter();
        if (a == null) throw new IllegalStateException("the reward model has no adapter to merge");
        a.mergeInto(rm.backbone().parameters());
        rm.withAdapter(null);
    }

    /** Merges the causal LM's adapter into its decoder and detaches it. */
    public static void merge(CausalLm lm) {
        if (!(lm.decoder().adapter() instanceof LoraAdapter a)) throw new IllegalStateException("the language model has no LoRA adapter to merge");
        a.mergeInto(lm.decoder().parameters());
        lm.decoder().adapt(null);
    }

    /**
     * Writes the reward model's adapter as PEFT does: {@code adapter_config.json} (SEQ_CLS, {@code score} in
     * modules_to_save, {@code base_model_name_or_path} = the backbone the model was built on), {@code
     * adapter_model.safetensors} (A, B and {@code score.weight} under PEFT's names), the reward model's config
     * ({@link #REWARD_CONFIG}), {@code tokenizer.json} and {@code provenance.json}.
     */
    public static void save(RewardModel rm, Path dir, ObjectNode provenance) {
        LoraAdapter a = rm.adapter();
        LoraConfig c = a.config();
        List<String> toSave = new ArrayList<>(c.modulesToSave());
        if (!toSave.contains("score")) toSave.add("score");
        String base = c.baseModel().isEmpty() ? rm.backboneName() : c.baseModel();
        saveSeqCls(dir, a, toSave, base, rm.parameters().toHost().get(RewardModel.HEAD),
                rm.backbone().family().rewardModelConfig(rm), rm.encoder().tokenizer().json(), provenance);
    }

    /**
     * The SEQ_CLS adapter writer {@link #save(RewardModel, Path, ObjectNode)} and PPO's LoRA critic share:
     * {@code adapter_model.safetensors} holds A and B under PEFT's names and {@code head} (a (1, H) linear head, any
     * name) as {@code base_model.model.score.weight}; {@code adapter_config.json} is {@code a}'s config with
     * {@code modulesToSave} and {@code base} ({@code base_model_name_or_path}); {@link #REWARD_CONFIG} holds
     * {@code rewardConfig}; then {@code tokenizer.json} and {@code provenance.json}.
     */
    public static void saveSeqCls(Path dir, LoraAdapter a, List<String> modulesToSave, String base, HostTensor head,
                                  ObjectNode rewardConfig, byte[] tokenizerJson, ObjectNode provenance) {
        try {
            Files.createDirectories(dir);
            Map<String, HostTensor> out = new LinkedHashMap<>(a.toPeft());
            out.put(LoraAdapter.PEFT_PREFIX + RewardModel.HEAD, head.withName(LoraAdapter.PEFT_PREFIX + RewardModel.HEAD));
            Safetensors.write(dir.resolve(WEIGHTS), out, ModelFiles.WEIGHTS_METADATA);
            LoraConfig c = a.config();
            LoraConfig written = new LoraConfig(c.r(), c.alpha(), c.dropout(), c.targetModules(), modulesToSave, LoraConfig.SEQ_CLS, base);
            ModelFiles.writeJson(dir.resolve(CONFIG), written.toJson());
            ModelFiles.writeJson(dir.resolve(REWARD_CONFIG), rewardConfig);
            Json.writeAtomically(dir.resolve(ModelFiles.TOKENIZER), tokenizerJson);
            ModelFiles.writeJson(dir.resolve(RewardModels.PROVENANCE), provenance);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the adapter to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A fresh adapter on the causal LM's decoder (PEFT's init from {@code seed}; the LM head stays frozen, as PEFT's CAUSAL_LM). */
    public static CausalLm attachNew(CausalLm lm, LoraConfig cfg, long seed) {
        Path p = Path.of(lm.name());
        String base = Files.exists(p) ? p.toAbsolutePath().normalize().toString() : lm.name();
        LoraAdapter a = LoraAdapter.create(lm.manager(), lm.decoder().parameters(), cfg.withBaseModel(base));
        a.initialise(seed ^ 0x4C6F5241L);
        lm.decoder().adapt(a);
        return lm;
    }

    /** Writes a causal LM's adapter as PEFT does (CAUSAL_LM; A and B under PEFT's names), with tokenizer.json and provenance.json. */
    public static void save(CausalLm lm, LoraAdapter a, Path dir, ObjectNode provenance) {
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(WEIGHTS), a.toPeft(), ModelFiles.WEIGHTS_METADATA);
            LoraConfig c = a.config();
            LoraConfig written = new LoraConfig(c.r(), c.alpha(), c.dropout(), c.targetModules(), List.of(), LoraConfig.CAUSAL_LM, c.baseModel());
            ModelFiles.writeJson(dir.resolve(CONFIG), written.toJson());
            Json.writeAtomically(dir.resolve(ModelFiles.TOKENIZER), lm.tokenizer().json());
            ModelFiles.writeJson(dir.resolve(RewardModels.PROVENANCE), provenance);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the adapter to " + dir + ": " + e.getMessage(), e);
        }
    }
}
