package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
