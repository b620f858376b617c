package dev.rlhf4j.model.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.engine.Scalars;
import dev.rlhf4j.model.LinearAdapter;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.weights.HostTensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * LoRA pairs on a backbone's linear layers: for each adapted weight W (out, in), A (r, in) and B (out, r), and
 * y = W x + (alpha / r) · B (A dropout(x)). Parameters are named as PEFT names them without its
 * {@code base_model.model.} prefix: {@code model.layers.0.self_attn.q_proj.lora_A.weight}.
 */
public final class LoraAdapter implements LinearAdapter {
    /** The prefix PEFT puts before the wrapped model's names in {@code adapter_model.safetensors}. */
    public static final String PEFT_PREFIX = "base_model.model.";

    private final LoraConfig config;
    private final ModelParameters params = new ModelParameters();
    /** Adapted weight name → {A, B}. */
    private final Map<String, NDArray[]> pairs = new LinkedHashMap<>();
    private final float scale;

    private LoraAdapter(LoraConfig config) {
        this.config = config;
        this.scale = (float) config.scale();
    }

    /**
     * Zero A and B for every 2-D weight of {@code base} whose module {@code config} targets, in {@code manager}.
     * Refuses a target that matches nothing (a misspelt module would otherwise train nothing).
     */
    public static LoraAdapter create(NDManager manager, ModelParameters base, LoraConfig config) {
        LoraAdapter a = new LoraAdapter(config);
        List<String> matched = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : base.asMap().entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue().getShape().getShape();
            if (!name.endsWith(".weight") || shape.length != 2) continue;
            String module = module(name);
            if (!config.targets(module)) continue;
            NDArray la = a.params.zeros(manager, module + ".lora_A.weight", config.r(), shape[1]);
            NDArray lb = a.params.zeros(manager, module + ".lora_B.weight", shape[0], config.r());
            a.pairs.put(name, new NDArray[] {la, lb});
            matched.add(module.substring(module.lastIndexOf('.') + 1));
        }
        List<String> unmatched = new ArrayList<>(config.targetModules());
        unmatched.removeAll(matched);
        if (!unmatched.isEmpty()) {
            throw new IllegalArgumentException("LoRA target module(s) " + unmatched + " match no linear weight of the model");
        }
        return a;
    }

    private static String module(String weightName) {
        return weightName.substring(0, weightName.length() - ".weight".length());
    }

    /** PEFT's initialisation: A kaiming-uniform (a = √5, i.e. U(−1/√in, 1/√in)), B zero, so the model starts as the base. */
    public void initialise(long seed) {
        Random rnd = new Random(seed);
        for (NDArray[] ab : pairs.values()) {
            NDArray a = ab[0];
            double bound = 1 / Math.sqrt(a.getShape().get(1));
            float[] v = new float[Math.toIntExact(a.size())];
            for (int i = 0; i < v.length; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            Engines.assign(a, v);
            Engines.assign(ab[1], new float[Math.toIntExact(ab[1].size())]);
        }
    }

    @Override
    public NDArray delta(String weight, NDArray x, boolean training) {
        NDArray[] ab = pairs.get(weight);
        if (ab == null) return null;
        NDArray in = training && config.dropout() > 0 ? Dropout.dropout(x, (float) config.dropout(), true).singletonOrThrow() : x;
        NDArray low = Linear.linear(in, ab[0], null).singletonOrThrow();
        return Scalars.mul(Linear.linear(low, ab[1], null).singletonOrThrow(), scale);
    }

    /** W += (alpha / r)·B·A for every adapted weight of {@code base}; the caller removes the adapter from the backbone after. */
    public void mergeInto(ModelParameters base) {
        for (Map.Entry<String, NDArray[]> e : pairs.entrySet()) {
            NDArray w = base.get(e.getKey());
            try (NDScope scope = new NDScope()) {
                NDArray merged = w.add(Scalars.mul(e.getValue()[1].matMul(e.getValue()[0]), scale));
                Engines.assign(w, merged.toFloatArray());
            }
        }
    }

    /**
     * Loads A and B from PEFT's tensors (names with or without {@code base_model.model.}, with or without the adapter
     * name {@code .default}); every pair must be present with its shape, and no LoRA tensor may be left over.
     */
    public void load(Map<String, HostTensor> peft) {
        Map<String, HostTensor> lora = new LinkedHashMap<>();
        for (HostTensor t : peft.values()) {
            String n = Adapters.ourName(t.name());
            if (n.contains(".lora_A.") || n.contains(".lora_B.")) lora.put(n, t.withName(n));
        }
        params.load(lora, List.of(), n -> false);
    }

    /** A and B under PEFT's names ({@code base_model.model.…lora_A.weight}), on the host. */
    public Map<String, HostTensor> toPeft() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (HostTensor t : params.toHost().values()) out.put(PEFT_PREFIX + t.name(), t.withName(PEFT_PREFIX + t.name()));
        return out;
    }

    public ModelParameters parameters() {
        return params;
    }

    public LoraConfig config() {
        return config;
    }

    /** The adapted weights' names. */
    public List<String> adaptedWeights() {
        return List.copyOf(pairs.keySet());
    }
}
