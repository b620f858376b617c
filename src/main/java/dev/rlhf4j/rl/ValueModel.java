package dev.rlhf4j.rl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.Decoder;
import dev.rlhf4j.model.weights.HostTensor;

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

    /** Values of every position: (B, T). */
    public NDArray values(NDArray ids, NDArray mask, boolean training) {
        NDArray h = decoder.forward(ids, mask, null, training);
        return h.matMul(head.transpose()).squeeze(-1).add(bias);
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
