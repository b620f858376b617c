package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDScope;
import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.EncodedSequence;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.TokenBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The tiny LlamaForSequenceClassification of hf-tiny against transformers' rewards: each sequence alone,
 * in a right-padded batch, a left-padded batch, and a batch padded with EOS (pad = eos, the case where
 * searching for the pad id picks the wrong token).
 */
class DecoderRewardModelTest {
    static RewardModel rm;
    static JsonNode golden;
    static List<EncodedSequence> seqs = new ArrayList<>();

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedFiles.get("models/hf-tiny/llama-rm");
        rm = RewardModels.load(dir, Device.cpu());
        golden = Json.MAPPER.readTree(dir.resolve("golden.json").toFile());
        for (JsonNode ids : golden.path("input_ids")) {
            int[] a = HfTinyGoldenTest.ints(ids);
            seqs.add(new EncodedSequence(a, new int[a.length], false));
        }
    }

    @AfterAll
    static void close() {
        rm.close();
    }

    static float[] rewards(TokenBatch batch) {
        try (NDScope scope = new NDScope()) {
            return rm.rewards(batch, false).toFloatArray();
        }
    }

    void assertGolden(float[] got, String how) {
        JsonNode want = golden.path("rewards");
        assertThat(got).hasSize(want.size());
        for (int i = 0; i < got.length; i++) {
            assertThat((double) got[i]).as(how + " reward " + i).isCloseTo(want.get(i).asDouble(), within(1e-4));
        }
    }

    @Test
    void eachSequenceAlone() {
        float[] got = new float[seqs.size()];
        for (int i = 0; i < got.length; i++) got[i] = rewards(TokenBatch.of(List.of(seqs.get(i)), 0))[0];
        assertGolden(got, "alone");
    }

    @Test
    void rightPadded() {
        assertGolden(rewards(TokenBatch.of(seqs, 0)), "right-padded");
        JsonNode right = golden.path("rewards_right_padded");
        float[] got = rewards(TokenBatch.of(seqs, 0));
        for (int i = 0; i < got.length; i++) assertThat((double) got[i]).isCloseTo(right.get(i).asDouble(), within(1e-4));
    }

    @Test
    void leftPadded() {
        assertGolden(rewards(TokenBatch.leftPadded(seqs, 0)), "left-padded");
    }

    @Test
    void padIsEos() {
        int eos = rm.backbone() instanceof Decoder d ? d.config().eosId() : -1;
        assertThat(eos).isEqualTo(2);
        assertGolden(rewards(TokenBatch.of(seqs, eos)), "pad = eos, right");
        assertGolden(rewards(TokenBatch.leftPadded(seqs, eos)), "pad = eos, left");
    }

    @Test
    void encoderWrapsTheRenderedDialogueInBosAndEos() {
        SequenceEncoder.Decoding d = rm.encoder().decoding();
        assertThat(d.bos()).isEqualTo(1);
        assertThat(d.eos()).isEqualTo(2);
        // golden texts are "Human: <q> Assistant: <a>"; render that form and compare ids.
        SequenceEncoder enc = SequenceEncoder.forDecoder(rm.encoder().tokenizer(), 64, new SequenceEncoder.Decoding(1, 2, 0,
                (messages, cue) -> "Human: " + messages.get(0).content() + " Assistant: " + messages.get(1).content()));
        EncodedSequence s = enc.encode(List.of(List.of(Turn.user("What is 7 + 5?"))), List.of("12.")).get(0);
        assertThat(s.ids()).containsExactly(seqs.get(0).ids());
        assertThat(rm.score(List.of(s), 4)[0]).isCloseTo((float) golden.path("rewards").get(0).asDouble(), within(1e-4f));
    }

    @Test
    void savedRewardModelReloadsAsSequenceClassifierWithTheSameRewards(@TempDir Path dir) throws Exception {
        RewardModels.save(rm, dir, null);
        JsonNode cfg = Json.MAPPER.readTree(dir.resolve("config.json").toFile());
        assertThat(cfg.path("architectures").get(0).asText()).isEqualTo("LlamaForSequenceClassification");
        assertThat(cfg.path("num_labels").asInt()).isEqualTo(1);
        assertThat(cfg.path("pad_token_id").asInt()).isEqualTo(0);
        assertThat(dir.resolve("tokenizer_config.json")).exists();
        try (RewardModel again = RewardModels.load(dir, Device.cpu())) {
            assertThat(again.score(seqs, 8)).containsExactly(rm.score(seqs, 8));
        }
    }

    @Test
    void truncationKeepsEosLastAndDropsOldestTurns() {
        SequenceEncoder enc = SequenceEncoder.forDecoder(rm.encoder().tokenizer(), 24, rm.encoder().decoding());
        List<Turn> dialogue = List.of(Turn.user("apple ".repeat(30)), Turn.assistant("banana ".repeat(30)), Turn.user("which fruit?"));
        EncodedSequence s = enc.encode(List.of(dialogue), List.of("cherry")).get(0);
        assertThat(s.length()).isLessThanOrEqualTo(24);
        assertThat(s.truncated()).isTrue();
        assertThat(s.ids()[0]).isEqualTo(1);
        assertThat(s.ids()[s.length() - 1]).isEqualTo(2);
        String text = rm.encoder().tokenizer().decode(s.ids());
        assertThat(text).contains("which fruit?").contains("cherry").doesNotContain("apple");
    }

    @Test
    void aCheckpointsChatTemplateRendersTheDialogueAndIsSavedWithIt(@TempDir Path dir, @TempDir Path saved) throws Exception {
        Path src = SharedFiles.get("models/hf-tiny/llama-rm");
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json")) java.nio.file.Files.copy(src.resolve(f), dir.resolve(f));
        String template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] | trim }}\n{% endfor %}"
                + "{% if add_generation_prompt %}assistant:{% endif %}";
        com.fasterxml.jackson.databind.node.ObjectNode tc = Json.MAPPER.createObjectNode();
        tc.put("chat_template", template);
        tc.putObject("bos_token").put("content", "<s>");
        tc.put("eos_token", "</s>");
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), tc.toString());
        try (RewardModel m = RewardModels.load(dir, Device.cpu())) {
            EncodedSequence s = m.encoder().encode(List.of(List.of(Turn.user(" What is 7 + 5? "))), List.of("12.")).get(0);
            assertThat(s.ids()[0]).isEqualTo(1);
            assertThat(s.ids()[s.length() - 1]).isEqualTo(2);
            assertThat(m.encoder().tokenizer().decode(s.ids())).isEqualTo("user: What is 7 + 5?\nassistant: 12.\n"); // the template ends every message with a newline
            assertThat(m.encoder().tokenizer().decode(m.encoder().encodePrompt(List.of(Turn.user("Hi")), 64)))
                    .isEqualTo("user: Hi\nassistant:");
            RewardModels.save(m, saved, null);
        }
        JsonNode written = Json.MAPPER.readTree(saved.resolve("tokenizer_config.json").toFile());
        assertThat(written.path("chat_template").asText()).isEqualTo(template);
        assertThat(written.path("bos_token").asText()).isEqualTo("<s>");
    }

    @Test
    void languageModelDirectoryIsNotARewardModel() {
        assertThatThrownBy(() -> RewardModels.load(SharedFiles.get("models/hf-tiny/llama"), Device.cpu()))
                .hasMessageContaining("not a reward model");
    }
}
