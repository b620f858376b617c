package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The real llama2.c model stories260K against the independent NumPy forward pass in
 * golden_reference.json, and its round trip through a Hugging Face directory written by rlhf4j.
 */
class Stories260kTest {
    static CausalLm lm;
    static JsonNode golden;

    @BeforeAll
    static void load() throws Exception {
        lm = CausalLm.load(SharedFiles.get("models/stories260K/stories260K.bin"), Device.cpu());
        golden = Json.MAPPER.readTree(SharedFiles.get("models/stories260K/golden_reference.json").toFile());
    }

    @AfterAll
    static void close() {
        lm.close();
    }

    @Test
    void greedyContinuationEqualsGolden() {
        int[] prompt = HfTinyGoldenTest.ints(golden.path("prompt_ids"));
        assertThat(lm.encode(golden.path("prompt").asText())).containsExactly(prompt);
        int[] all = HfTinyGoldenTest.ints(golden.path("greedy_ids_40_positions"));
        int[] expected = Arrays.copyOfRange(all, prompt.length, all.length);
        Generator.Result r = new Generator(lm).generate(List.of(prompt),
                GenerationConfig.greedy(expected.length).withStopAtEos(false));
        assertThat(r.generations().get(0).newIds()).containsExactly(expected);
        assertThat(lm.decode(all)).isEqualTo(golden.path("decoded").asText().strip());
    }

    @Test
    void lossWithinOneThousandth() {
        int[] ids = HfTinyGoldenTest.ints(golden.path("nll_ids"));
        assertThat(lm.encode(golden.path("nll_text").asText())).containsExactly(ids);
        assertThat(lm.loss(ids)).isCloseTo(golden.path("mean_nll_per_token").asDouble(), within(1e-3));
    }

    @Test
    void savedHuggingFaceDirectoryReloadsWithIdenticalLogits(@TempDir Path dir) {
        lm.save(dir, null);
        assertThat(dir.resolve("config.json")).exists();
        int[] ids = HfTinyGoldenTest.ints(golden.path("nll_ids"));
        try (CausalLm again = CausalLm.load(dir, Device.cpu())) {
            assertThat(again.config().family()).isEqualTo(DecoderFamily.LLAMA);
            assertThat(again.encode(golden.path("nll_text").asText())).containsExactly(ids);
            assertThat(again.lastLogits(ids)).containsExactly(lm.lastLogits(ids));
        }
    }

    @Test
    void batchedLeftPaddedGenerationEqualsEachPromptAlone() {
        List<int[]> prompts = List.of(lm.encode("Once upon a time"), lm.encode("The cat"), lm.encode("Lily and Tom went to the park"));
        Generator g = new Generator(lm);
        GenerationConfig cfg = GenerationConfig.greedy(12).withStopAtEos(false);
        Generator.Result batch = g.generate(prompts, cfg);
        for (int i = 0; i < prompts.size(); i++) {
            int[] alone = g.generate(List.of(prompts.get(i)), cfg).generations().get(0).newIds();
            assertThat(batch.generations().get(i).newIds()).as("prompt " + i).containsExactly(alone);
        }
    }

    @Test
    void samplingIsReproducibleFromASeed() {
        Generator g = new Generator(lm);
        List<int[]> p = List.of(lm.encode("Once upon a time"), lm.encode("The dog"));
        GenerationConfig a = GenerationConfig.sampling(20, 7);
        int[] first = g.generate(p, a).generations().get(1).newIds();
        assertThat(g.generate(p, a).generations().get(1).newIds()).containsExactly(first);
        GenerationConfig b = GenerationConfig.sampling(20, 8);
        assertThat(g.generate(p, b).generations().get(1).newIds()).isNotEqualTo(first);
    }
}
