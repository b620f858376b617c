package dev.rlhf4j.rl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.Backbone;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.Decoder;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.DecoderFamily;
import dev.rlhf4j.model.lora.Adapters;
import dev.rlhf4j.model.lora.LoraAdapter;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * PPO's critic: a decoder (initialised from the actor's or a decoder reward model's weights) and a linear value
 * head giving V(state) after every token: (B, T).
 */
public final class ValueModel implements AutoCloseable {
    static final String HEAD = "value_head.weight", BIAS = "value_head.bias";
    /** The value head's module name (a LoRA critic's modules_to_save). */
    static final String MODULE = "value_head";
    private final NDManager manager;
    private final Decoder decoder;
    private final ModelParameters params = new ModelParameters();
    private final NDArray head, bias;
    /** Where the weights came from: "actor" or "reward model". */
    private String source = "actor";
    /** LoRA on the decoder (its base frozen; the value head trains in full), or null: every weight trains. */
    private LoraAdapter adapter;
    /** The checkpoint the frozen decoder weights come from, and the adapter merged into them (or null): see {@link #withBase}. */
    private Path baseModel, mergedAdapter;

    /** {@link Adapters#REWARD_CONFIG} key of the value head's bias (a reward head has none, so PEFT never reads it). */
    public static final String BIAS_KEY = "value_head_bias";

    private ValueModel(NDManager manager, Decoder decoder) {
        this.manager = manager;
        this.decoder = decoder;
        params.addAll(decoder.parameters());
        head = params.zeros(manager, HEAD, 1, decoder.hiddenSize());
        bias = params.zeros(manager, BIAS, 1);
    }

    /** A critic with the actor's backbone weights and a zero value head. */
    public static ValueModel fromActor(CausalLm actor) {
        NDManager m = Engines.newManager(actor.manager().getDevice());
        ValueModel v = new ValueModel(m, Decoder.create(m, actor.config()));
        v.decoder.parameters().load(actor.decoder().parameters().toHost(), List.of(), n -> false);
        if (actor.decoder().adapter() instanceof LoraAdapter a) a.mergeInto(v.decoder.parameters()); // the adapted weights
        return v;
    }

    /**
     * PPO's critic as the paper sets it up: from the reward model when the reward model is a decoder of the actor's
     * architecture (its backbone, and its reward head as the value head, so the first values already rank
     * prefixes the way the rewards will), else from the actor ({@link #fromActor}). {@link #initialisedFrom} says which.
     */
    public static ValueModel forPpo(CausalLm actor, RewardFunction reward) {
        if (reward instanceof RewardModelFunction f && sharesArchitecture(f.model(), actor)) {
            return fromRewardModel(f.model(), actor);
        }
        return fromActor(actor);
    }

    /**
     * Whether the critic can take {@code rm}'s weights: a decoder backbone with the actor's parameter names and shapes
     * and the actor's vocabulary (the critic reads the actor's token ids).
     */
    static boolean sharesArchitecture(RewardModel rm, CausalLm actor) {
        Backbone backbone = rm.backbone();
        if (backbone.family() != actor.decoder().family()) return false; // not a decoder
        // the same decoder family (model_type) and vocabulary size, as their config.json say
        JsonNode rmConfig = backbone.configJson(), actorConfig = actor.decoder().configJson();
        for (String key : List.of("model_type", "vocab_size")) {
            if (!rmConfig.path(key).equals(actorConfig.path(key))) return false;
        }
        Map<String, NDArray> mine = actor.decoder().parameters().asMap(), theirs = backbone.parameters().asMap();
        if (!mine.keySet().equals(theirs.keySet())) return false;
        for (var e : mine.entrySet()) {
            if (!e.getValue().getShape().equals(theirs.get(e.getKey()).getShape())) return false;
        }
        var a = rm.encoder().tokenizer();
        var b = actor.tokenizer();
        if (a.vocabularySize() != b.vocabularySize()) return false;
        for (int i = 0; i < a.vocabularySize(); i++) {
            if (!java.util.Objects.equals(a.tokenOf(i), b.tokenOf(i))) return false;
        }
        return true;
    }

    /** The reward model's backbone and head (value bias 0); the caller checked {@link #sharesArchitecture}. */
    static ValueModel fromRewardModel(RewardModel rm, CausalLm actor) {
        return fromRewardModel(rm, actor.config());
    }

    private static ValueModel fromRewardModel(RewardModel rm, DecoderConfig config) {
        NDManager m = Engines.newManager(rm.manager().getDevice());
        ValueModel v = new ValueModel(m, Decoder.create(m, config));
        v.decoder.parameters().load(rm.backbone().parameters().toHost(), List.of(), n -> false);
        if (rm.adapter() != null) rm.adapter().mergeInto(v.decoder.parameters()); // a LoRA reward model: its adapted weights
        dev.rlhf4j.engine.Engines.assign(v.head, rm.parameters().asMap().get(RewardModel.HEAD).toFloatArray());
        v.source = "reward model";
        return v;
    }

    /** {@code "actor"} or {@code "reward model"}: where the critic's weights came from (logged, and in ppo.json). */
    public String initialisedFrom() {
        return source;
    }

    /** Values of every position of a batch: (rows, cols). */
    public NDArray values(TokenBatch batch, boolean training) {
        NDManager m = manager();
        NDArray h = decoder.forward(BatchTensors.ids(m, batch), BatchTensors.mask(m, batch), null, training);
        return h.matMul(head.transpose()).squeeze(-1).add(bias);
    }

    /** Activation recomputation in the critic's decoder (see {@link dev.rlhf4j.model.Backbone#recompute}). */
    public void recompute(boolean on) {
        decoder.recompute(on);
    }

    public ModelParameters parameters() {
        return params;
    }

    /**
     * A fresh LoRA adapter on the critic's decoder, initialised as PEFT does from {@code seed} (B = 0: the values start
     * as the full critic's): the decoder's weights stay frozen and the value head trains in full (PEFT's
     * modules_to_save). Call before training; returns this critic.
     */
    public ValueModel withLora(LoraConfig cfg, long seed) {
        if (adapter != null) throw new IllegalStateException("the critic already carries a LoRA adapter");
        adapter = LoraAdapter.create(manager, decoder.parameters(), cfg);
        adapter.initialise(seed ^ 0x56414C55L); // a stream apart from the actor's adapter
        decoder.adapt(adapter);
        return this;
    }

    /** The LoRA adapter on the decoder, or null. */
    public LoraAdapter adapter() {
        return adapter;
    }

    /** What training updates: every parameter, or with LoRA the adapter's A and B and the value head. */
    public ModelParameters trainableParameters() {
        if (adapter == null) return params;
        ModelParameters p = new ModelParameters();
        p.addAll(adapter.parameters());
        p.add(HEAD, head);
        p.add(BIAS, bias);
        return p;
    }

    /**
     * Where the critic's frozen decoder weights come from, for {@link #save}: the checkpoint {@code model} (a causal LM
     * or a decoder reward model), with {@code mergedAdapter} (a PEFT adapter directory, or null) merged into it as
     * {@link #fromActor} and {@link #fromRewardModel} merge one. Returns this critic.
     */
    public ValueModel withBase(Path model, Path mergedAdapter) {
        this.baseModel = absolute(model);
        this.mergedAdapter = mergedAdapter == null ? null : absolute(mergedAdapter);
        return this;
    }

    private static Path absolute(Path p) {
        return Files.exists(p) ? p.toAbsolutePath().normalize() : p;
    }

    /**
     * Writes a LoRA critic as a PEFT SEQ_CLS adapter directory with the reward-model adapter writer
     * ({@link Adapters#saveSeqCls}): A and B under PEFT's names, the value head's weight as {@code
     * base_model.model.score.weight} ({@code modules_to_save: ["score"]}), {@code base_model_name_or_path} = the
     * {@link #withBase} checkpoint. It reloads wherever a reward-model adapter does (the reward at the last token is the
     * value there, less the head's bias), and to this critic exactly with {@link #load}. The bias, which PEFT's
     * {@code score} lacks, is {@link #BIAS_KEY} in {@link Adapters#REWARD_CONFIG}. When an adapter was merged into the
     * base no single checkpoint holds the base: {@code base_model_name_or_path} is empty and {@link Adapters#MERGED_BASE}
     * names both (rlhf4j reads it; for PEFT, {@code merge} them first and pass the result as the base). Without
     * {@link #withBase} the base is left empty (load with an explicit base).
     */
    public void save(Path dir, byte[] tokenizerJson, ObjectNode provenance) {
        if (adapter == null) throw new IllegalStateException("only a LoRA critic saves as an adapter directory");
        ObjectNode rc = Json.MAPPER.createObjectNode();
        rc.put("pooling", "last");
        rc.put("max_length", Math.min(decoder.config().maxPositions(), 1024));
        rc.put(BIAS_KEY, (double) bias.toFloatArray()[0]); // a float widened: reads back bit for bit
        if (mergedAdapter != null) {
            ObjectNode mb = rc.putObject(Adapters.MERGED_BASE);
            mb.put("model", baseModel.toString());
            mb.put("adapter", mergedAdapter.toString());
        }
        Adapters.saveSeqCls(dir, adapter, List.of("score"), mergedAdapter != null || baseModel == null ? "" : baseModel.toString(),
                toHost().get(HEAD), rc, tokenizerJson, provenance);
    }

    /**
     * A critic {@link #save} wrote: {@code base} (null: the adapter's base, or its {@link Adapters#MERGED_BASE} built as
     * PPO built it) under the adapter, its value head from {@code score.weight} and {@link #BIAS_KEY} (0 when absent).
     */
    public static ValueModel load(Path base, Path adapterDir, Device device) {
        LoraConfig cfg = LoraConfig.read(adapterDir.resolve(Adapters.CONFIG));
        if (!cfg.taskType().equals(LoraConfig.SEQ_CLS)) {
            throw new IllegalArgumentException(adapterDir + " is a " + cfg.taskType() + " adapter, not a value model's (SEQ_CLS)");
        }
        Path rcFile = adapterDir.resolve(Adapters.REWARD_CONFIG);
        JsonNode rc = Files.isRegularFile(rcFile) ? Json.read(rcFile) : Json.MAPPER.createObjectNode();
        JsonNode merged = rc.path(Adapters.MERGED_BASE);
        Path model = base != null ? base : merged.isObject() ? Path.of(merged.path("model").asText()) : Adapters.baseOf(adapterDir);
        Path mergedAdapter = base == null && merged.isObject() ? Path.of(merged.path("adapter").asText()) : null;
        ValueModel v = baseOf(model, mergedAdapter, device);
        try {
            Map<String, HostTensor> tensors = Safetensors.read(adapterDir.resolve(Adapters.WEIGHTS)).tensors();
            HostTensor head = tensors.get(LoraAdapter.PEFT_PREFIX + RewardModel.HEAD);
            if (head == null) throw new IllegalArgumentException(adapterDir.resolve(Adapters.WEIGHTS) + " has no " + LoraAdapter.PEFT_PREFIX + RewardModel.HEAD);
            v.adapter = LoraAdapter.create(v.manager, v.decoder.parameters(), cfg);
            v.adapter.load(tensors);
            v.decoder.adapt(v.adapter);
            Engines.assign(v.head, head.data());
            Engines.assign(v.bias, new float[] {(float) rc.path(BIAS_KEY).asDouble(0)});
            return v.withBase(model, mergedAdapter);
        } catch (RuntimeException e) {
            v.close();
            throw e;
        }
    }

    /** The frozen critic PPO built on {@code model} (with {@code mergedAdapter} merged): from the reward model or the actor. */
    private static ValueModel baseOf(Path model, Path mergedAdapter, Device device) {
        boolean rewardModel = mergedAdapter != null
                ? LoraConfig.read(mergedAdapter.resolve(Adapters.CONFIG)).taskType().equals(LoraConfig.SEQ_CLS)
                : Files.isRegularFile(model.resolve("config.json")) && DecoderFamily.isSequenceClassifier(Json.read(model.resolve("config.json")));
        if (rewardModel) {
            try (RewardModel rm = mergedAdapter != null ? Adapters.loadRewardModel(model, mergedAdapter, device, false)
                    : RewardModels.load(model, device, false)) {
                if (!(rm.backbone() instanceof Decoder d)) throw new IllegalArgumentException(model + " is not a decoder reward model");
                return fromRewardModel(rm, d.config());
            }
        }
        try (CausalLm lm = mergedAdapter != null ? Adapters.loadCausalLm(model, mergedAdapter, device) : CausalLm.load(model, device)) {
            return fromActor(lm);
        }
    }

    /** The trained tensors on the host (a LoRA critic: A, B and the value head only, not the frozen base). */
    public Map<String, HostTensor> toHost() {
        return trainableParameters().toHost();
    }

    /** Loads what {@link #toHost} wrote. */
    public void load(Map<String, HostTensor> weights) {
        trainableParameters().load(weights, List.of(), n -> false);
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
