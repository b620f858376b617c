package dev.rlhf4j.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static dev.rlhf4j.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code score --model DIR} on a Qwen3ForSequenceClassification whose tokenizer_config.json carries a Qwen chat
 * template: the reward written is the model's on the tokens of jinja2's rendering of the dialogue, then EOS.
 */
class ScoreDecoderFamiliesTest {

    @Test
    void scoresTheDialogueAsJinja2RendersIt(@TempDir Path dir) throws Exception {
        JsonNode chatCase = null; // qwen2.5-instruct's template, one user turn with the generation prompt
        for (String line : Files.readAllLines(SharedFiles.get("data/chat-templates/cases.jsonl"))) {
            JsonNode c = Json.MAPPER.readTree(line);
            if (c.path("id").asText().equals("00041")) chatCase = c;
        }
        assertThat(chatCase).isNotNull();
        assertThat(chatCase.path("add_generation_prompt").asBoolean()).isTrue();
        Path src = SharedFiles.get("models/hf-tiny/qwen3-rm-bf16");
        Path model = Files.createDirectories(dir.resolve("rm"));
        for (String f : List.of("model.safetensors", "tokenizer.json")) Files.copy(src.resolve(f), model.resolve(f));
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile());
        cfg.put("dtype", "bfloat16"); // as the folder's README describes it (see HfTinyRewardModelsTest.asBf16)
        Files.writeString(model.resolve("config.json"), cfg.toString());
        ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("chat_template", chatCase.path("template").asText());
        tc.put("eos_token", chatCase.path("eos_token").asText());
        tc.putNull("bos_token");
        Files.writeString(model.resolve("tokenizer_config.json"), tc.toString());

        String prompt = chatCase.path("messages").get(0).path("content").asText(), response = "Light scatters.";
        ObjectNode rec = Json.MAPPER.createObjectNode();
        rec.put("prompt", prompt);
        rec.put("response", response);
        Path data = dir.resolve("responses.jsonl"), out = dir.resolve("scored.jsonl");
        Files.writeString(data, rec + "\n");
        CliTest.Run r = run("score", "--model", model.toString(), "--data", data.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        double written = Json.MAPPER.readTree(Files.readAllLines(out).get(0)).path("reward").asDouble();

        // jinja2's text for [user] with the generation prompt, then the assistant turn as this template writes it.
        String text = chatCase.path("expected").asText() + response + "<|im_end|>\n";
        try (RewardModel rm = RewardModels.load(model, Device.cpu()); NDScope scope = new NDScope()) {
            int[] body = rm.encoder().tokenizer().encode(text);
            int[] ids = Arrays.copyOf(body, body.length + 1);
            ids[body.length] = 2; // EOS
            float want = rm.rewards(TokenBatch.of(List.of(new EncodedSequence(ids, new int[ids.length], false)), 0), false)
                    .toFloatArray()[0];
            assertThat(written).isCloseTo(want, within(1e-5));
        }
    }
}
