package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code rlhf4j generate} on the real stories260K model. */
class GenerateCommandTest {
    @Test
    void greedyContinuationIsTheGoldenOneAndIsWrittenWithProvenance(@TempDir Path tmp) throws Exception {
        JsonNode golden = Json.MAPPER.readTree(SharedFiles.get("models/stories260K/golden_reference.json").toFile());
        Path prompts = tmp.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"Once upon a time\"}\n\nThe little dog\n");
        Path out = tmp.resolve("out.jsonl");
        CliTest.Run r = CliTest.run("generate", "--model", SharedFiles.get("models/stories260K/stories260K.bin").toString(),
                "--prompts", prompts.toString(), "--greedy", "--ignore-eos", "--max-new-tokens", "36", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("tokens/s");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(2);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.path("prompt").asText()).isEqualTo("Once upon a time");
        assertThat(first.path("new_tokens").asInt()).isEqualTo(36);
        assertThat(first.path("stop_reason").asText()).isEqualTo("length");
        // The golden text is the prompt and its 36 greedy tokens, decoded.
        String expected = golden.path("decoded").asText().strip().substring("Once upon a time".length());
        assertThat(first.path("completion").asText()).isEqualTo(expected);
        JsonNode prov = Json.MAPPER.readTree(tmp.resolve("out.jsonl.provenance.json").toFile());
        assertThat(prov.path("command").asText()).isEqualTo("generate");
        assertThat(prov.path("inputs").path("model").path("sha256").asText()).hasSize(64);
    }

    @Test
    void stopStringsCutTheTextAndSamplingRepeatsWithItsSeed() {
        String model = SharedFiles.get("models/stories260K/stories260K.bin").toString();
        CliTest.Run a = CliTest.run("generate", "--model", model, "--prompt", "Once upon a time", "--seed", "3", "--max-new-tokens", "40");
        CliTest.Run b = CliTest.run("generate", "--model", model, "--prompt", "Once upon a time", "--seed", "3", "--max-new-tokens", "40");
        assertThat(a.code()).isEqualTo(0);
        assertThat(text(a)).isEqualTo(text(b));
        CliTest.Run stop = CliTest.run("generate", "--model", model, "--prompt", "Once upon a time", "--greedy", "--stop", "Lily",
                "--max-new-tokens", "40");
        assertThat(text(stop)).isEqualTo(", there was a little girl named ");
        assertThat(stop.out()).contains("stop_string");
    }

    @Test
    void missingPromptsAreAClearError() {
        CliTest.Run r = CliTest.run("generate", "--model", SharedFiles.get("models/stories260K/stories260K.bin").toString());
        assertThat(r.code()).isNotEqualTo(0);
        assertThat(r.err()).contains("--prompt");
    }

    static String text(CliTest.Run r) {
        String[] lines = r.out().split("\n");
        return lines[1];
    }
}
