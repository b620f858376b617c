package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every tiny Hugging Face language model in {@code shared/models/hf-tiny} against the outputs transformers
 * itself computed for it (golden.json): input ids, loss, last-position logits, 16 greedy tokens.
 */
class HfTinyGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"llama", "qwen2-bf16", "mistral-bf16", "gpt2-fp16", "llama3", "qwen3-bf16", "gemma2-bf16"})
    void matchesTransformers(String name) throws Exception {
        Path dir = SharedFiles.get("models/hf-tiny/" + name);
        JsonNode golden = Json.MAPPER.readTree(dir.resolve("golden.json").toFile());
        try (CausalLm lm = CausalLm.load(dir, Device.cpu())) {
            Generator gen = new Generator(lm);
            for (JsonNode c : golden.path("cases")) {
                String prompt = c.path("prompt").asText();
                int[] ids = lm.encode(prompt);
                assertThat(ids).as(name + " input ids of '" + prompt + "'").containsExactly(ints(c.path("input_ids")));
                assertThat(lm.loss(ids)).as(name + " loss").isCloseTo(c.path("loss").asDouble(), within(1e-4));
                float[] logits = lm.lastLogits(ids);
                JsonNode first8 = c.path("last_logits_first8");
                for (int i = 0; i < first8.size(); i++) {
                    assertThat((double) logits[i]).as(name + " logit " + i).isCloseTo(first8.get(i).asDouble(), within(1e-4));
                }
                assertThat(Sampler.argMax(logits, logits.length)).isEqualTo(c.path("last_logits_argmax").asInt());
                int[] greedy = ints(c.path("greedy_new_ids"));
                // transformers' generate stops at EOS; the golden runs are 16 tokens, so compare that many.
                Generator.Result r = gen.generate(List.of(ids), GenerationConfig.greedy(greedy.length).withStopAtEos(false));
                assertThat(r.generations().get(0).newIds()).as(name + " greedy tokens").containsExactly(greedy);
                Generator.Result nc = gen.generate(List.of(ids),
                        GenerationConfig.greedy(greedy.length).withStopAtEos(false).withCache(false));
                assertThat(nc.generations().get(0).newIds()).as(name + " greedy tokens without cache").containsExactly(greedy);
            }
        }
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
