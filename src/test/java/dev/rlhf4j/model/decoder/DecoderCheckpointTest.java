package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The checkpoint forms a decoder may come in: shards, transformers-4 configs, GPT-2 without its prefix. */
class DecoderCheckpointTest {
    static final int[] IDS = {1, 5713, 3714, 264, 727};

    static float[] logits(Path dir, int[] ids) {
        try (CausalLm lm = CausalLm.load(dir, Device.cpu())) {
            return lm.lastLogits(ids);
        }
    }

    static void copy(Path from, Path to, String... files) throws Exception {
        Files.createDirectories(to);
        for (String f : files) Files.copy(from.resolve(f), to.resolve(f));
    }

    @Test
    void shardedSafetensorsWithAnIndexLoadLikeOneFile(@TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/llama");
        copy(src, tmp, "config.json", "tokenizer.json");
        Map<String, HostTensor> all = Safetensors.read(src.resolve("model.safetensors")).tensors();
        Map<String, HostTensor> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
        ObjectNode index = Json.MAPPER.createObjectNode();
        ObjectNode map = index.putObject("weight_map");
        int i = 0;
        for (HostTensor t : all.values()) {
            String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (i % 2 == 1 ? a : b).put(t.name(), t);
            map.put(t.name(), shard);
        }
        Safetensors.write(tmp.resolve("model-00001-of-00002.safetensors"), a, Map.of("format", "pt"));
        Safetensors.write(tmp.resolve("model-00002-of-00002.safetensors"), b, Map.of("format", "pt"));
        Files.writeString(tmp.resolve("model.safetensors.index.json"), index.toString());
        assertThat(logits(tmp, IDS)).containsExactly(logits(src, IDS));

        Files.delete(tmp.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> logits(tmp, IDS)).hasMessageContaining("shard model-00002-of-00002.safetensors")
                .hasMessageContaining("missing");
    }

    @Test
    void transformers4ConfigFormGivesTheSameModel(@TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/qwen2-bf16");
        copy(src, tmp, "model.safetensors", "tokenizer.json");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile());
        double theta = cfg.path("rope_parameters").path("rope_theta").asDouble();
        assertThat(theta).isEqualTo(1e6);
        cfg.remove("rope_parameters");
        cfg.put("rope_theta", theta);
        cfg.putNull("rope_scaling");
        cfg.put("torch_dtype", cfg.remove("dtype").asText());
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        int[] ids = {5713, 3714, 264, 727};
        assertThat(logits(tmp, ids)).containsExactly(logits(src, ids));
    }

    /**
     * {@code cfg} (transformers 5) as transformers 4 wrote it: rotary settings at the top level ({@code rope_theta},
     * {@code rope_scaling} unless default), {@code torch_dtype}, and no {@code layer_types} (before 4.53 the layer
     * kinds followed from the family's rule).
     */
    static ObjectNode transformers4Form(ObjectNode cfg) {
        ObjectNode o = cfg.deepCopy();
        ObjectNode rope = (ObjectNode) o.remove("rope_parameters");
        o.put("rope_theta", rope.path("rope_theta").asDouble());
        rope.remove("rope_theta");
        if (rope.path("rope_type").asText("default").equals("default")) o.putNull("rope_scaling");
        else o.set("rope_scaling", rope);
        o.put("torch_dtype", o.remove("dtype").asText());
        o.remove("layer_types");
        if (o.has("hidden_activation")) o.put("hidden_act", o.path("hidden_activation").asText());
        o.put("transformers_version", "4.46.0");
        return o;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen3-bf16", "gemma2-bf16"})
    void transformers4ConfigFormsOfTheNewFamiliesMatchTheGolden(String name, @TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/" + name);
        copy(src, tmp, "model.safetensors", "tokenizer.json");
        ObjectNode cfg = transformers4Form((ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile()));
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        JsonNode golden = Json.MAPPER.readTree(src.resolve("golden.json").toFile());
        try (CausalLm lm = CausalLm.load(tmp, Device.cpu())) {
            for (JsonNode c : golden.path("cases")) {
                int[] ids = HfTinyGoldenTest.ints(c.path("input_ids"));
                assertThat(lm.loss(ids)).as(name + " loss").isCloseTo(c.path("loss").asDouble(), within(1e-4));
                float[] logits = lm.lastLogits(ids);
                for (int i = 0; i < 8; i++) {
                    assertThat((double) logits[i]).as(name + " logit " + i).isCloseTo(c.path("last_logits_first8").get(i).asDouble(), within(1e-4));
                }
            }
        }
    }

    @Test
    void gpt2WithoutTheTransformerPrefixAndWithMaskBuffersLoads(@TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/gpt2-fp16");
        copy(src, tmp, "config.json", "tokenizer.json");
        Map<String, HostTensor> renamed = new LinkedHashMap<>();
        for (HostTensor t : Safetensors.read(src.resolve("model.safetensors")).tensors().values()) {
            String n = t.name().startsWith("transformer.") ? t.name().substring("transformer.".length()) : t.name();
            renamed.put(n, t.withName(n));
        }
        renamed.put("h.0.attn.bias", new HostTensor("h.0.attn.bias", new long[] {1, 1, 2, 2}, new float[] {1, 0, 1, 1}));
        Safetensors.write(tmp.resolve("model.safetensors"), renamed, Map.of("format", "pt"));
        int[] ids = {7454, 2402, 257};
        assertThat(logits(tmp, ids)).containsExactly(logits(src, ids));
    }

    @Test
    void everyMismatchIsReportedAtOnce(@TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/llama");
        copy(src, tmp, "config.json", "tokenizer.json");
        Map<String, HostTensor> t = new LinkedHashMap<>(Safetensors.read(src.resolve("model.safetensors")).tensors());
        t.remove("model.layers.1.mlp.up_proj.weight");
        t.remove("lm_head.weight");
        t.put("model.extra.weight", new HostTensor("model.extra.weight", new long[] {1}, new float[] {0}));
        Safetensors.write(tmp.resolve("model.safetensors"), t, Map.of("format", "pt"));
        assertThatThrownBy(() -> logits(tmp, IDS)).hasMessageContaining("3 problem(s)")
                .hasMessageContaining("missing model.layers.1.mlp.up_proj.weight")
                .hasMessageContaining("missing lm_head.weight").hasMessageContaining("unexpected model.extra.weight");
    }

    @ParameterizedTest
    @CsvSource({"qwen3-bf16, model.layers.0.self_attn.k_norm.weight", "gemma2-bf16, model.layers.1.post_feedforward_layernorm.weight"})
    void aFamilysOwnTensorsAreRequiredAndMisShapedOnesNamed(String name, String dropped, @TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/" + name);
        copy(src, tmp, "config.json", "tokenizer.json");
        Map<String, HostTensor> t = new LinkedHashMap<>(Safetensors.read(src.resolve("model.safetensors")).tensors());
        t.remove(dropped);
        t.put("model.norm.weight", new HostTensor("model.norm.weight", new long[] {16}, new float[16]));
        Safetensors.write(tmp.resolve("model.safetensors"), t, Map.of("format", "pt"));
        assertThatThrownBy(() -> logits(tmp, IDS)).hasMessageContaining("2 problem(s)").hasMessageContaining("missing " + dropped)
                .hasMessageContaining("shape of model.norm.weight: checkpoint [16], model [32]");
    }

    @Test
    void unsupportedConfigsNameTheFieldAndTheFile(@TempDir Path tmp) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/llama");
        copy(src, tmp, "model.safetensors", "tokenizer.json");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile());
        cfg.put("hidden_act", "gelu");
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        assertThatThrownBy(() -> logits(tmp, IDS)).hasMessageContaining("config.json").hasMessageContaining("hidden_act 'gelu'");
        cfg.put("hidden_act", "silu");
        cfg.remove("num_hidden_layers");
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        assertThatThrownBy(() -> logits(tmp, IDS)).hasMessageContaining("'num_hidden_layers' is missing");
    }
}
