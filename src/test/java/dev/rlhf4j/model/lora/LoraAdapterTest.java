package dev.rlhf4j.model.lora;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** LoRA's arithmetic on hand-made weights: which weights it adapts, PEFT's init, y = W x + (α/r)·B(A x), the merge. */
class LoraAdapterTest {
    static final String Q = "model.layers.0.self_attn.q_proj.weight", UP = "model.layers.0.mlp.up_proj.weight";

    static LoraConfig config(List<String> targets) {
        return new LoraConfig(2, 8, 0, targets, List.of("score"), LoraConfig.SEQ_CLS, "base");
    }

    static ModelParameters base(NDManager m) {
        ModelParameters p = new ModelParameters();
        p.zeros(m, Q, 4, 3);
        p.zeros(m, UP, 5, 3);
        p.zeros(m, "model.norm.weight", 3);
        return p;
    }

    @Test
    void adaptsTheTargetedWeightsOnlyAndStartsAsTheBase() {
        try (NDManager m = Engines.newManager(Device.cpu())) {
            LoraAdapter a = LoraAdapter.create(m, base(m), config(List.of("q_proj")));
            assertThat(a.adaptedWeights()).containsExactly(Q);
            assertThat(a.parameters().asMap().keySet()).containsExactly("model.layers.0.self_attn.q_proj.lora_A.weight",
                    "model.layers.0.self_attn.q_proj.lora_B.weight");
            a.initialise(7);
            float[] aw = a.parameters().get("model.layers.0.self_attn.q_proj.lora_A.weight").toFloatArray();
            assertThat(aw).hasSize(6);
            for (float v : aw) assertThat(Math.abs(v)).isLessThanOrEqualTo((float) (1 / Math.sqrt(3))); // kaiming-uniform, a = √5
            assertThat(a.parameters().get("model.layers.0.self_attn.q_proj.lora_B.weight").toFloatArray()).containsOnly(0f);
            assertThat(a.delta(UP, m.ones(new Shape(1, 3)), false)).isNull();
            assertThat(a.delta(Q, m.ones(new Shape(1, 3)), false).toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void theUpdateIsAlphaOverRTimesBAxAndMergesIntoW() {
        try (NDManager m = Engines.newManager(Device.cpu())) {
            ModelParameters base = base(m);
            LoraAdapter a = LoraAdapter.create(m, base, config(List.of("q_proj")));
            Engines.assign(a.parameters().get("model.layers.0.self_attn.q_proj.lora_A.weight"), new float[] {1, 0, 0, 0, 1, 0});
            Engines.assign(a.parameters().get("model.layers.0.self_attn.q_proj.lora_B.weight"), new float[] {1, 0, 0, 1, 1, 1, 0, 0});
            NDArray x = m.create(new float[] {1, 2, 3}, new Shape(1, 3));
            // A x = (1, 2); B (A x) = (1, 2, 3, 0); α / r = 8 / 2 = 4
            assertThat(a.delta(Q, x, false).toFloatArray()).containsExactly(4, 8, 12, 0);
            a.mergeInto(base);
            assertThat(base.get(Q).toFloatArray()).containsExactly(4, 0, 0, 0, 4, 0, 4, 4, 0, 0, 0, 0);
            assertThat(base.get(UP).toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void aTargetThatMatchesNothingIsRefused() {
        try (NDManager m = Engines.newManager(Device.cpu())) {
            assertThatThrownBy(() -> LoraAdapter.create(m, base(m), config(List.of("q_proj", "qproj"))))
                    .hasMessageContaining("[qproj]").hasMessageContaining("match no linear weight");
        }
    }

    @Test
    void theConfigRoundTripsThroughPeftsJsonAndRefusesWhatItWouldGetWrong(@TempDir Path dir) throws Exception {
        LoraConfig c = new LoraConfig(4, 8, 0.05, List.of("q_proj", "v_proj"), List.of("score"), LoraConfig.SEQ_CLS, "/models/base");
        Path f = dir.resolve("adapter_config.json");
        Files.write(f, Json.PRETTY.writeValueAsBytes(c.toJson()));
        assertThat(LoraConfig.read(f)).isEqualTo(c);
        assertThat(Json.MAPPER.readTree(f.toFile()).path("lora_alpha").isInt()).isTrue();
        assertThat(c.scale()).isCloseTo(2.0, within(0.0));
        var dora = c.toJson().put("use_dora", true);
        Files.write(f, Json.PRETTY.writeValueAsBytes(dora));
        assertThatThrownBy(() -> LoraConfig.read(f)).hasMessageContaining("DoRA");
    }
}
