package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.serving.RewardServer;
import dev.rlhf4j.serving.ServedModel;
import dev.rlhf4j.serving.ServerConfig;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The tiny Qwen3ForSequenceClassification and Gemma2ForSequenceClassification of hf-tiny against the rewards
 * transformers computed (golden.json): each sequence alone, one right-padded batch, one left-padded batch;
 * the golden input ids from the tokenizer; a save that reloads as the same published class with the same rewards.
 */
class HfTinyRewardModelsTest {

    /**
     * The folder as its README and golden note describe it, a bfloat16 model: their config.json says float32 (the
     * weights were saved upcast) but transformers computed the golden rewards on the model held in bfloat16, whose
     * rotary frequencies (and Gemma's embedding scale) are bfloat16 constants. With float32 constants the Qwen3
     * rewards move by up to 5.5e-3 (an independent float64 NumPy forward pass gives the same), so the config is
     * rewritten to name the type the golden used; {@code transformers4} writes it in that generation's form.
     */
    static Path asBf16(String name, Path tmp, boolean transformers4) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/" + name);
        DecoderCheckpointTest.copy(src, tmp, "model.safetensors", "tokenizer.json");
        ObjectNode cfg = (ObjectNode) Json.MAPPER.readTree(src.resolve("config.json").toFile());
        cfg.put("dtype", "bfloat16");
        if (transformers4) cfg = DecoderCheckpointTest.transformers4Form(cfg);
        Files.writeString(tmp.resolve("config.json"), cfg.toString());
        return tmp;
    }


    static List<EncodedSequence> sequences(JsonNode golden) {
        List<EncodedSequence> seqs = new ArrayList<>();
        for (JsonNode ids : golden.path("input_ids")) {
            int[] a = HfTinyGoldenTest.ints(ids);
            seqs.add(new EncodedSequence(a, new int[a.length], false));
        }
        return seqs;
    }

    static float[] rewards(RewardModel rm, TokenBatch batch) {
        try (NDScope scope = new NDScope()) {
            return rm.rewards(batch, false).toFloatArray();
        }
    }

    static void assertRewards(float[] got, JsonNode want, String how) {
        assertThat(got).as(how).hasSize(want.size());
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as(how + " reward " + i).isCloseTo(want.get(i).asDouble(), within(1e-4));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-rm-bf16", "gemma2-rm-bf16"})
    void rewardsMatchTransformersAloneAndPaddedEitherSide(String name, @TempDir Path tmp) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(SharedFiles.get("models/hf-tiny/" + name + "/golden.json").toFile());
        Path dir = asBf16(name, tmp, false);
        List<EncodedSequence> seqs = sequences(golden);
        try (RewardModel rm = RewardModels.load(dir, Device.cpu())) {
            float[] alone = new float[seqs.size()];
            for (int i = 0; i < alone.length; i++) alone[i] = rewards(rm, TokenBatch.of(List.of(seqs.get(i)), 0))[0];
            assertRewards(alone, golden.path("rewards"), name + " alone");
            assertRewards(rewards(rm, TokenBatch.of(seqs, 0)), golden.path("rewards_right_padded"), name + " right-padded");
            assertRewards(rewards(rm, TokenBatch.leftPadded(seqs, 0)), golden.path("rewards_left_padded"), name + " left-padded");
            assertThat(rm.encoder().padId()).isEqualTo(0);

            // The golden ids are BOS + the tokenizer's ids of the text + EOS (the Llama-2 tokenizer stands in for
            // Qwen's and Gemma's): render "Human: q Assistant: a" and compare.
            SequenceEncoder enc = SequenceEncoder.forDecoder(rm.encoder().tokenizer(), 64, new SequenceEncoder.Decoding(1, 2, 0,
                    (messages, cue) -> "Human: " + messages.get(0).content() + " Assistant: " + messages.get(1).content()));
            EncodedSequence s = enc.encode(List.of(List.of(Turn.user("What is 7 + 5?"))), List.of("12.")).get(0);
            assertThat(s.ids()).as(name + " input ids").containsExactly(seqs.get(0).ids());
            assertThat(golden.path("texts").get(0).asText()).isEqualTo("Human: What is 7 + 5? Assistant: 12.");
            assertThat(rm.score(List.of(s), 4)[0]).isCloseTo((float) golden.path("rewards").get(0).asDouble(), within(1e-4f));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3-rm-bf16", "gemma2-rm-bf16"})
    void theTransformers4ConfigFormGivesTheSameRewards(String name, @TempDir Path tmp) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(SharedFiles.get("models/hf-tiny/" + name + "/golden.json").toFile());
        List<EncodedSequence> seqs = sequences(golden);
        try (RewardModel rm = RewardModels.load(asBf16(name, tmp, true), Device.cpu())) {
            assertRewards(rewards(rm, TokenBatch.of(seqs, 0)), golden.path("rewards_right_padded"), name + " transformers-4 config");
        }
    }

    /**
     * A save holds float32 weights and says so, so it reloads as the float32 model (float32 constants), which is the
     * shared folder as it stands; the architecture and the fields transformers reads are the source's.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-rm-bf16", "gemma2-rm-bf16"})
    void aSavedModelIsTheSamePublishedClassWithTheSameRewards(String name, @TempDir Path tmp, @TempDir Path out) throws Exception {
        Path dir = SharedFiles.get("models/hf-tiny/" + name);
        JsonNode src = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        List<EncodedSequence> seqs = sequences(new ObjectMapper().readTree(dir.resolve("golden.json").toFile()));
        try (RewardModel rm = RewardModels.load(asBf16(name, tmp, false), Device.cpu());
             RewardModel asFloat32 = RewardModels.load(dir, Device.cpu())) {
            RewardModels.save(rm, out, null);
            JsonNode cfg = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertThat(cfg.path("architectures").get(0).asText()).isEqualTo(src.path("architectures").get(0).asText());
            assertThat(cfg.path("model_type").asText()).isEqualTo(src.path("model_type").asText());
            for (String f : List.of("head_dim", "sliding_window", "layer_types", "query_pre_attn_scalar", "attn_logit_softcapping",
                    "final_logit_softcapping", "hidden_activation", "tie_word_embeddings", "attention_bias")) {
                if (!src.has(f)) continue;
                if (src.get(f).isNumber()) assertThat(cfg.path(f).asDouble()).as(name + " " + f).isEqualTo(src.get(f).asDouble());
                else assertThat(cfg.path(f)).as(name + " " + f).isEqualTo(src.get(f));
            }
            assertThat(cfg.path("dtype").asText()).isEqualTo("float32");
            try (RewardModel again = RewardModels.load(out, Device.cpu())) {
                assertThat(again.score(seqs, 8)).containsExactly(asFloat32.score(seqs, 8));
            }
        }
    }

    /**
     * A reward model started on a bfloat16 language model for training computes in float32 throughout, as the
     * float32 checkpoint it saves: the save reloads (as resuming does) with identical rewards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-bf16", "gemma2-bf16"})
    void aRewardModelStartedOnABf16BackboneReloadsIdentically(String name, @TempDir Path out) throws Exception {
        Path backbone = SharedFiles.get("models/hf-tiny/" + name);
        List<EncodedSequence> seqs = sequences(new ObjectMapper().readTree(
                SharedFiles.get("models/hf-tiny/" + name.replace("-bf16", "-rm-bf16") + "/golden.json").toFile()));
        try (RewardModel rm = RewardModels.pretrained(backbone.toString(), Device.cpu(), dev.rlhf4j.model.Pooling.LAST, 64, 5)) {
            assertThat(((Decoder) rm.backbone()).config().dtype()).isEqualTo("float32");
            RewardModels.save(rm, out, null);
            try (RewardModel again = RewardModels.load(out, Device.cpu())) {
                assertThat(again.score(seqs, 8)).containsExactly(rm.score(seqs, 8));
            }
        }
    }

    /**
     * A Qwen3ForSequenceClassification with a chat template in tokenizer_config.json (a Qwen template from the shared
     * chat-template cases, whose expected text is jinja2's rendering of a user/assistant/user/assistant dialogue): the
     * scored sequence is the tokens of jinja2's text, then EOS, and its reward is the model's on those tokens.
     * Cases 00039 (Qwen2.5) and 00612 (Qwen3.5, whose {@code namespace(value=0)} the old Jinjava route refused). The
     * reward server scores the same dialogue, sent to {@code /v1/score} as a message list, with the same reward.
     */
    @ParameterizedTest
    @ValueSource(strings = {"00039", "00612"})
    void aQwen3RewardModelScoresItsChatTemplatesRendering(String caseId, @TempDir Path tmp) throws Exception {
        JsonNode chatCase = null;
        for (String line : Files.readAllLines(SharedFiles.get("data/chat-templates/cases.jsonl"))) {
            JsonNode c = Json.MAPPER.readTree(line);
            if (c.path("id").asText().equals(caseId)) chatCase = c;
        }
        assertThat(chatCase).as("case " + caseId).isNotNull();
        assertThat(chatCase.path("template_name").asText().toLowerCase()).contains("qwen");
        assertThat(chatCase.path("conversation").asText()).isEqualTo("a_uaua");
        Path dir = asBf16("qwen3-rm-bf16", tmp, false);
        ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("chat_template", chatCase.path("template").asText());
        tc.put("eos_token", chatCase.path("eos_token").asText());
        tc.putNull("bos_token");
        Files.writeString(dir.resolve("tokenizer_config.json"), tc.toString());
        List<Turn> dialogue = new ArrayList<>();
        for (JsonNode m : chatCase.path("messages")) dialogue.add(new Turn(m.path("role").asText(), m.path("content").asText()));
        String expected = chatCase.path("expected").asText();
        try (RewardModel rm = RewardModels.load(dir, Device.cpu())) {
            EncodedSequence s = rm.encoder().encode(List.of(dialogue.subList(0, 3)), List.of(dialogue.get(3).content())).get(0);
            int[] text = rm.encoder().tokenizer().encode(expected);
            int[] want = java.util.Arrays.copyOf(text, text.length + 1);
            want[text.length] = 2; // EOS, where the reward is read
            assertThat(rm.encoder().tokenizer().decode(s.ids())).isEqualTo(rm.encoder().tokenizer().decode(want));
            assertThat(s.ids()).containsExactly(want);
            float[] direct = rewards(rm, TokenBatch.of(List.of(new EncodedSequence(want, new int[want.length], false)), 0));
            assertThat(rm.score(List.of(s), 4)).containsExactly(direct);

            // serve: the same dialogue as a /v1/score pair whose prompt is the message list
            ObjectNode item = Json.MAPPER.createObjectNode();
            var prompt = item.putArray("prompt");
            for (Turn t : dialogue.subList(0, 3)) prompt.addObject().put("role", t.role()).put("content", t.content());
            item.put("chosen", dialogue.get(3).content());
            item.put("rejected", "no");
            ServedModel served = new ServedModel("qwen3-rm", dir, rm);
            try (RewardServer server = RewardServer.start(List.of(served), ServerConfig.loopback(0))) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/score"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("[" + item + "]")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                double served0 = Json.MAPPER.readTree(r.body()).path("chosen_rewards").get(0).asDouble();
                assertThat(served0).isCloseTo(direct[0], within(1e-5));
            }
        }
    }
}
