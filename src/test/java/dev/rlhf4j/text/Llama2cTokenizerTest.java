package dev.rlhf4j.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Llama2cTokenizerTest {
    private static final ObjectMapper JSON = Json.MAPPER;

    private static Path tokBin;
    private static byte[] json;
    private static Tokenizer tokenizer;
    private static RunCEncoder reference;
    private static JsonNode golden;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws Exception {
        tokBin = SharedFiles.get("models/stories260K/tok512.bin");
        json = Llama2cTokenizer.toTokenizerJson(tokBin, 512);
        tokenizer = Tokenizer.fromBytes(json, "tok512.bin (converted)");
        reference = new RunCEncoder(tokBin, 512);
        golden = JSON.readTree(SharedFiles.get("models/stories260K/golden_reference.json").toFile());
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private static int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = 1;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    @Test
    void goldenPromptAndNllIds() {
        assertThat(withBos(tokenizer.encode(golden.get("prompt").asText())))
                .containsExactly(ints(golden.get("prompt_ids")));
        assertThat(withBos(tokenizer.encode(golden.get("nll_text").asText())))
                .containsExactly(ints(golden.get("nll_ids")));
        // The test's run.c reference agrees with the golden ids too.
        assertThat(withBos(reference.encode(golden.get("nll_text").asText())))
                .containsExactly(ints(golden.get("nll_ids")));
    }

    @Test
    void decodesGoldenGreedyIds() {
        int[] greedy = ints(golden.get("greedy_ids_40_positions"));
        String decoded = tokenizer.decode(greedy);
        // llama2.c prints the dummy-prefix space; the Llama decoder strips it (and skips <s>).
        assertThat(golden.get("decoded").asText()).startsWith(" ");
        assertThat(decoded).isEqualTo(golden.get("decoded").asText().substring(1));
        assertThat(decoded).startsWith("Once upon a time, there was a little girl named Lily. She loved to play");
    }

    @Test
    void agreesWithRunCEncodeOnVariedText() {
        List<String> texts = List.of("", " ", "  ", "a", "Once upon a time", " Once upon a time",
                "Once upon a time ", "once UPON a TIME", "Lily and Timmy", "Timmy said, \"Let's play!\"",
                "She was very happy.", "He saw a big, red ball.", "What? No! Yes...", "The end.\n",
                "line one\nline two\n\nline three", "tabs\tand\tmore\t", "  leading and trailing  ",
                "numbers 0123456789 and 3.14159", "1+1=2, 2*3=6, 10/5=2, 7%3=1", "café", "naïve — ok",
                "“quoted” ‘single’ it’s …", "emoji 😀 here", "😀😀", "日本語のテキスト", "Ωμέγα",
                "x\u00a0y", "€100 and £5", "a\rb", "<s> is not special in run.c", "ordinary <html> tags",
                "____----****", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "llllllllllll ll lll", "pppp oo oooo",
                "the the the the", "inging ing ing", "Ünïcödé ñ", "\\backslash `tick` ~tilde~ |pipe|",
                "[brackets] (parens) {braces}", "mixed123abc456def", "Once upon a time, there was a little"
                + " girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.");
        for (String t : texts) {
            if (t.contains("<s>")) {
                continue; // checked below: Hugging Face matches <s> as an added token
            }
            assertThat(tokenizer.encode(t)).as("encode(%s)", t).containsExactly(reference.encode(t));
        }
        assertThat(tokenizer.encode("")).isEmpty();
        assertThat(reference.encode("")).isEmpty();
        // Bytes outside the vocabulary fall back to <0xXX> = 3 + byte, as in run.c.
        assertThat(tokenizer.encode("😀")).containsExactly(410, 3 + 0xF0, 3 + 0x9F, 3 + 0x98, 3 + 0x80);
        assertThat(tokenizer.decode(tokenizer.encode("emoji 😀 here, naïve — ok\nnext"))).isEqualTo(
                "emoji 😀 here, naïve — ok\nnext");
    }

    @Test
    void agreesWithRunCEncodeOnRandomText() {
        // Characters of the vocabulary (so merges fire) plus a few that need byte fallback.
        String alphabet = "  eeeaaattoohhnniidsrlymwu.pgcbf,kTv\"SL'HOI!xBMAWj?zYFJDqCNEPRKG-:;103X25"
                + "—é…()/$`+*&\\%<>|[]~ñ¿ü\n\t";
        int[] cps = alphabet.codePoints().toArray();
        Random rnd = new Random(20240611);
        for (int n = 0; n < 500; n++) {
            StringBuilder sb = new StringBuilder();
            int len = rnd.nextInt(40);
            for (int i = 0; i < len; i++) {
                sb.appendCodePoint(cps[rnd.nextInt(cps.length)]);
            }
            String t = sb.toString();
            assertThat(tokenizer.encode(t)).as("encode(%s)", t).containsExactly(reference.encode(t));
        }
    }

    @Test
    void specialTokensAreAddedTokens() {
        // Like Llama-2's tokenizer.json, a literal "<s>" in text is the BOS token (run.c would spell it).
        assertThat(tokenizer.encode("<s>")).containsExactly(1);
        assertThat(tokenizer.clsId()).isEqualTo(1);
        assertThat(tokenizer.sepId()).isEqualTo(2);
        assertThat(tokenizer.decode(new int[] {1, 403, 2})).isEqualTo("Once");
    }

    @Test
    void jsonHasTheLlamaShape() throws Exception {
        JsonNode root = JSON.readTree(json);
        JsonNode model = root.get("model");
        assertThat(model.get("type").asText()).isEqualTo("BPE");
        assertThat(model.get("byte_fallback").asBoolean()).isTrue();
        assertThat(model.get("fuse_unk").asBoolean()).isTrue();
        assertThat(model.get("unk_token").asText()).isEqualTo("<unk>");
        JsonNode vocab = model.get("vocab");
        assertThat(vocab.size()).isEqualTo(512);
        assertThat(vocab.get("<unk>").asInt()).isZero();
        assertThat(vocab.get("<s>").asInt()).isEqualTo(1);
        assertThat(vocab.get("</s>").asInt()).isEqualTo(2);
        assertThat(vocab.get("<0x00>").asInt()).isEqualTo(3);
        assertThat(vocab.get("<0xFF>").asInt()).isEqualTo(258);
        assertThat(vocab.get("▁Once").asInt()).isEqualTo(403);
        assertThat(vocab.get("▁").asInt()).isEqualTo(410);
        JsonNode merges = model.get("merges");
        // The first merge is the best-scored token (" t", score -0.0); every merge is a [a, b] pair.
        assertThat(merges.get(0).get(0).asText()).isEqualTo("▁");
        assertThat(merges.get(0).get(1).asText()).isEqualTo("t");
        for (JsonNode m : merges) {
            assertThat(m.isArray() && m.size() == 2).isTrue();
            assertThat(vocab.has(m.get(0).asText() + m.get(1).asText())).isTrue();
        }
        assertThat(root.get("normalizer").toString()).isEqualTo(
                "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"Prepend\",\"prepend\":\"▁\"},"
                + "{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"▁\"}]}");
        assertThat(root.get("pre_tokenizer").isNull()).isTrue();
        // Same shape as the Llama-2 file of hf-tiny, apart from the vocabulary and merges.
        JsonNode llama = JSON.readTree(SharedFiles.get("models/hf-tiny/llama/tokenizer.json").toFile());
        for (String key : List.of("added_tokens", "normalizer", "pre_tokenizer", "post_processor", "decoder")) {
            assertThat(root.get(key)).as(key).isEqualTo(llama.get(key));
        }
        for (String key : List.of("type", "dropout", "unk_token", "continuing_subword_prefix",
                "end_of_word_suffix", "fuse_unk", "byte_fallback", "ignore_merges")) {
            assertThat(model.get(key)).as("model." + key).isEqualTo(llama.get("model").get(key));
        }
    }

    @Test
    void rejectsAVocabSizeThatDoesNotMatch() {
        assertThatThrownBy(() -> Llama2cTokenizer.toTokenizerJson(tokBin, 4096))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(tokBin.toString())
                .hasMessageContaining("holds 512 tokens but the model's vocab_size is 4096");
    }

    @Test
    void rejectsATruncatedFile() throws Exception {
        byte[] all = Files.readAllBytes(tokBin);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> Llama2cTokenizer.toTokenizerJson(cut, 512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(cut.toString())
                .hasMessageContaining("token 511");
    }

    /** A llama2.c tokenizer .bin: specials, the 256 byte tokens, then {@code extra} with scores -1, -2, ... */
    static byte[] tokBin(String... extra) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "\n<s>\n", "\n</s>\n"));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
        }
        tokens.addAll(List.of(extra));
        ByteBuffer out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(8);
        for (int i = 0; i < tokens.size(); i++) {
            byte[] s = tokens.get(i).getBytes(StandardCharsets.UTF_8);
            out.putFloat(i < 259 ? 0f : 258 - i).putInt(s.length).put(s);
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    @Test
    void syntheticTokenizerMergesByScore() throws Exception {
        Path bin = dir.resolve("tiny.bin");
        Files.write(bin, tokBin(" ", "a", "b", "ab", " ab", "ba", "aba"));
        byte[] converted = Llama2cTokenizer.toTokenizerJson(bin, 266);
        JsonNode merges = JSON.readTree(converted).get("model").get("merges");
        // Best score first; " ab" splits only as " "+"ab" (" a" is no token); "aba" as ab+a and a+ba.
        assertThat(merges.toString()).isEqualTo(
                "[[\"a\",\"b\"],[\"▁\",\"ab\"],[\"b\",\"a\"],[\"a\",\"ba\"],[\"ab\",\"a\"]]");
        RunCEncoder ref = new RunCEncoder(bin, 266);
        try (Tokenizer tiny = Tokenizer.fromBytes(converted, bin.toString())) {
            for (String t : List.of("ab", "aba", "abab", "baba", "bab a", "aab", "ba ab", "é")) {
                assertThat(tiny.encode(t)).as("encode(%s)", t).containsExactly(ref.encode(t));
            }
        }
    }

    @Test
    void rejectsMisplacedByteTokensAndClashingPieces() throws Exception {
        byte[] good = tokBin(" ", "a");
        byte[] moved = new String(good, StandardCharsets.ISO_8859_1).replace("<0x41>", "<0x4G>")
                .getBytes(StandardCharsets.ISO_8859_1);
        Path bin = dir.resolve("moved.bin");
        Files.write(bin, moved);
        assertThatThrownBy(() -> Llama2cTokenizer.toTokenizerJson(bin, 261))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bin.toString())
                .hasMessageContaining("token 68 is '<0x4G>', expected the byte-fallback token <0x41>");
        Path clash = dir.resolve("clash.bin");
        Files.write(clash, tokBin(" x", "▁x"));
        assertThatThrownBy(() -> Llama2cTokenizer.toTokenizerJson(clash, 261))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(clash.toString())
                .hasMessageContaining("tokens 259 and 260 are both '▁x'");
    }

    /** A transcription of llama2.c's {@code encode} (run.c), without BOS/EOS. */
    static final class RunCEncoder {
        private final String[] vocab;
        private final float[] scores;
        private final Map<String, Integer> ids = new HashMap<>();

        RunCEncoder(Path tokBin, int vocabSize) throws Exception {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(tokBin)).order(ByteOrder.LITTLE_ENDIAN);
            b.getInt(); // max_token_length
            vocab = new String[vocabSize];
            scores = new float[vocabSize];
            for (int i = 0; i < vocabSize; i++) {
                scores[i] = b.getFloat();
                byte[] s = new byte[b.getInt()];
                b.get(s);
                vocab[i] = new String(s, StandardCharsets.UTF_8);
                ids.putIfAbsent(vocab[i], i);
            }
        }

        int[] encode(String text) {
            List<Integer> tokens = new ArrayList<>();
            if (!text.isEmpty()) {
                tokens.add(ids.get(" ")); // add_dummy_prefix
            }
            text.codePoints().forEach(cp -> {
                String s = new String(Character.toChars(cp));
                Integer id = ids.get(s);
                if (id != null) {
                    tokens.add(id);
                } else {
                    for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
                        tokens.add((x & 0xFF) + 3); // byte fallback past <unk>, <s>, </s>
                    }
                }
            });
            while (true) {
                float best = -1e10f;
                int bestId = -1;
                int bestIdx = -1;
                for (int i = 0; i + 1 < tokens.size(); i++) {
                    Integer id = ids.get(vocab[tokens.get(i)] + vocab[tokens.get(i + 1)]);
                    if (id != null && scores[id] > best) {
                        best = scores[id];
                        bestId = id;
                        bestIdx = i;
                    }
                }
                if (bestIdx == -1) {
                    break;
                }
                tokens.set(bestIdx, bestId);
                tokens.remove(bestIdx + 1);
            }
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
