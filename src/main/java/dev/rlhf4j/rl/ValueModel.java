package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.Backbone;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.Decoder;
import dev.rlhf4j.model.lora.LoraAdapter;
import dev.rlhf4j.model.lora.LoraConfig;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.text.TokenBatch;

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
        NDManager m = Engines.newManager(actor.manager().getDevice());
        ValueModel v = new ValueModel(m, Decoder.create(m, actor.config()));
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
