package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.BatchTensors;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.Decoder;
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
    private final NDManager manager;
    private final Decoder decoder;
    private final ModelParameters params = new ModelParameters();
    private final NDArray head, bias;
    /** Where the weights came from: "actor" or "reward model". */
    private String source = "actor";

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
        if (!(rm.backbone() instanceof Decoder d)) return false;
        if (d.config().vocabSize() != actor.config().vocabSize() || d.config().family() != actor.config().family()) return false;
        Map<String, NDArray> mine = actor.decoder().parameters().asMap(), theirs = d.parameters().asMap();
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

    public Map<String, HostTensor> toHost() {
        return params.toHost();
    }

    public void load(Map<String, HostTensor> weights) {
        params.load(weights, List.of(), n -> false);
    }

    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
