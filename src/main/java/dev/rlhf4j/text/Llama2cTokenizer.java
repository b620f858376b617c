package dev.rlhf4j.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Converts a llama2.c tokenizer ({@code tokenizer.bin}, {@code tok512.bin}, ...) into a Hugging Face
 * {@code tokenizer.json} of the same shape as Llama-2's, encoding text as llama2.c's {@code encode}
 * does.
 *
 * <p>The {@code .bin} holds an int32 {@code max_token_length}, then per token a float32 score, an int32
 * byte length and the UTF-8 bytes (little-endian). Ids 0..2 are {@code <unk>}, {@code <s>},
 * {@code </s>} (stored as {@code "<unk>"}, {@code "\n<s>\n"}, {@code "\n</s>\n"}) and ids 3..258 the
 * byte-fallback tokens {@code <0x00>..<0xFF>}, which {@code run.c} hard-codes as {@code 3 + byte}.
 *
 * <p>llama2.c encodes by prepending a space (to non-empty text), splitting into code points (byte
 * fallback for those not in the vocabulary), then repeatedly merging the adjacent pair whose
 * concatenation is a token of the highest score, leftmost on ties. As Hugging Face BPE merges that is:
 * every split of a token into two tokens is a merge, ranked by the merged token's score. Spaces become
 * {@code ▁} (the normalizer does the same to the text).
 *
 * <p>Where the two can differ, as Llama-2's own {@code tokenizer.json} differs from SentencePiece: a
 * literal {@code <unk>}, {@code <s>} or {@code </s>} in the text is matched as the special token, and a
 * literal {@code ▁} in the text is read as a space; and Hugging Face ranks merges strictly, so where
 * run.c sees a tie (two different tokens of equal score, or one token formed at overlapping places by
 * different splits, as {@code a+aa} and {@code aa+a}) it takes the earlier merge of the list rather
 * than the leftmost place. The stories tokenizers have no equal scores outside the byte tokens, and no
 * such overlapping splits.
 */
public final class Llama2cTokenizer {

    /** run.c starts its search for the best merge at this score: tokens at or below it never merge. */
    private static final float RUN_C_MIN_SCORE = -1e10f;

    private static final int FIRST_BYTE_TOKEN = 3;
    private static final int FIRST_REGULAR_TOKEN = FIRST_BYTE_TOKEN + 256;
    private static final String[] SPECIALS = {"<unk>", "<s>", "</s>"};

    private Llama2cTokenizer() {}

    /** One entry of the {@code .bin}: raw bytes and score. */
    private record Entry(byte[] bytes, float score) {}

    /** One merge: the pieces' ids and the merged token's id and score. */
    private record Merge(int left, int right, int merged, float score) {}

    /**
     * The Hugging Face {@code tokenizer.json} (UTF-8) equivalent to the llama2.c tokenizer
     * {@code tokBin}.
     *
     * @param vocabSize the model's vocabulary size (from the checkpoint header); the file must hold
     *                  exactly that many tokens
     * @throws IllegalArgumentException if the file is malformed, holds another number of tokens, lacks
     *                                  the byte-fallback tokens at ids 3..258, or has two tokens that
     *                                  are the same after the space-to-{@code ▁} mapping
     */
    public static byte[] toTokenizerJson(Path tokBin, int vocabSize) {
        return toTokenizerJson(tokBin, checked(tokBin, entries(tokBin), vocabSize), vocabSize);
    }

    /** As {@link #toTokenizerJson(Path, int)} with the vocabulary size the file itself holds (no model to check against). */
    public static byte[] toTokenizerJson(Path tokBin) {
        List<Entry> entries = entries(tokBin);
        return toTokenizerJson(tokBin, checked(tokBin, entries, entries.size()), entries.size());
    }

    private static byte[] toTokenizerJson(Path tokBin, List<Entry> entries, int vocabSize) {
        String[] pieces = new String[vocabSize];
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < vocabSize; id++) {
            String p = hfPiece(tokBin, id, entries.get(id).bytes());
            Integer dup = ids.putIfAbsent(p, id);
            if (dup != null) {
                throw bad(tokBin, "tokens " + dup + " and " + id + " are both '" + p + "' once spaces become ▁");
            }
            pieces[id] = p;
        }
        List<Merge> merges = merges(pieces, ids, entries);

        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < SPECIALS.length; id++) {
            added.addObject().put("id", id).put("content", SPECIALS[id]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        ArrayNode normalizers = root.putObject("normalizer").put("type", "Sequence").putArray("normalizers");
        normalizers.addObject().put("type", "Prepend").put("prepend", "▁");
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "▁");
        root.putNull("pre_tokenizer");

        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        bosItem(single);
        seqItem(single, "A", 0);
        ArrayNode pair = post.putArray("pair");
        bosItem(pair);
        seqItem(pair, "A", 0);
        pair.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 1);
        seqItem(pair, "B", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject("<s>").put("id", "<s>");
        bos.putArray("ids").add(1);
        bos.putArray("tokens").add("<s>");

        ArrayNode decoders = root.putObject("decoder").put("type", "Sequence").putArray("decoders");
        ObjectNode unspace = decoders.addObject().put("type", "Replace");
        unspace.putObject("pattern").put("String", "▁");
        unspace.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        model.put("ignore_merges", false); // llama2.c merges even a text that is itself a token
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < vocabSize; id++) {
            vocab.put(pieces[id], id);
        }
        ArrayNode mergeArray = model.putArray("merges");
        for (Merge m : merges) {
            mergeArray.addArray().add(pieces[m.left()]).add(pieces[m.right()]);
        }
        try {
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize tokenizer.json for " + tokBin, e);
        }
    }

    private static void bosItem(ArrayNode template) {
        template.addObject().putObject("SpecialToken").put("id", "<s>").put("type_id", 0);
    }

    private static void seqItem(ArrayNode template, String id, int typeId) {
        template.addObject().putObject("Sequence").put("id", id).put("type_id", typeId);
    }

    private static List<Entry> checked(Path tokBin, List<Entry> entries, int vocabSize) {
        if (vocabSize < FIRST_REGULAR_TOKEN) {
            throw bad(tokBin, "vocab_size " + vocabSize + " is smaller than the " + FIRST_REGULAR_TOKEN
                    + " special and byte tokens llama2.c expects");
        }
        if (entries.size() != vocabSize) {
            throw bad(tokBin, "the file holds " + entries.size() + " tokens but the model's vocab_size is "
                    + vocabSize);
        }
        return entries;
    }

    /** Every entry of the file (int32 max length, then score, length, bytes per token), validated. */
    private static List<Entry> entries(Path tokBin) {
        byte[] all;
        try {
            all = Files.readAllBytes(tokBin);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read llama2.c tokenizer " + tokBin, e);
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw bad(tokBin, "the file is " + all.length + " bytes, shorter than the int32 max_token_length");
        }
        int maxLen = b.getInt();
        if (maxLen <= 0) {
            throw bad(tokBin, "max_token_length is " + maxLen + ", expected a positive value");
        }
        List<Entry> entries = new ArrayList<>();
        while (b.hasRemaining()) {
            int id = entries.size();
            if (b.remaining() < 8) {
                throw bad(tokBin, "truncated at token " + id + " (offset " + b.position()
                        + "): expected a float32 score and an int32 length");
            }
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) {
                throw bad(tokBin, "token " + id + " (offset " + (b.position() - 4) + ") has length " + len
                        + " but " + b.remaining() + " bytes remain");
            }
            if (Float.isNaN(score)) {
                throw bad(tokBin, "token " + id + " has a NaN score");
            }
            byte[] bytes = new byte[len];
            b.get(bytes);
            entries.add(new Entry(bytes, score));
        }
        return entries;
    }

    /** The Hugging Face vocabulary string of token {@code id}. */
    private static String hfPiece(Path tokBin, int id, byte[] bytes) {
        if (id < FIRST_BYTE_TOKEN) {
            return SPECIALS[id];
        }
        String s = utf8(tokBin, id, bytes);
        if (id < FIRST_REGULAR_TOKEN) {
            String expected = String.format(Locale.ROOT, "<0x%02X>", id - FIRST_BYTE_TOKEN);
            if (!s.equals(expected)) {
                // run.c encodes an unknown byte as 3 + byte whatever the vocabulary says.
                throw bad(tokBin, "token " + id + " is '" + s + "', expected the byte-fallback token " + expected);
            }
            return s;
        }
        return s.replace(' ', '▁');
    }

    private static String utf8(Path tokBin, int id, byte[] bytes) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer c = d.decode(ByteBuffer.wrap(bytes));
            return c.toString();
        } catch (CharacterCodingException e) {
            throw bad(tokBin, "token " + id + " is not valid UTF-8");
        }
    }

    /**
     * Every split of every mergeable token into two mergeable tokens, best score first (run.c picks the
     * highest-scoring merge); equal scores keep the merged token's id, then the pieces' ids, in order.
     * Special tokens take no part: run.c's working sequence never holds them (its strings for
     * {@code <s>} and {@code </s>} contain newlines), and Hugging Face matches them as added tokens.
     */
    private static List<Merge> merges(String[] pieces, Map<String, Integer> ids, List<Entry> entries) {
        List<Merge> out = new ArrayList<>();
        for (int id = FIRST_BYTE_TOKEN; id < pieces.length; id++) {
            float score = entries.get(id).score();
            if (!(score > RUN_C_MIN_SCORE)) {
                continue;
            }
            String p = pieces[id];
            // Split only between code points: the Hugging Face BPE starts from characters.
            for (int cut = p.offsetByCodePoints(0, 1); cut < p.length(); cut = p.offsetByCodePoints(cut, 1)) {
                Integer left = ids.get(p.substring(0, cut));
                Integer right = ids.get(p.substring(cut));
                if (left != null && right != null && left >= FIRST_BYTE_TOKEN && right >= FIRST_BYTE_TOKEN) {
                    out.add(new Merge(left, right, id, score));
                }
            }
        }
        // Primitive comparison, as run.c's '>': -0.0 ties with 0.0.
        out.sort((a, b) -> a.score() > b.score() ? -1 : a.score() < b.score() ? 1
                : a.merged() != b.merged() ? Integer.compare(a.merged(), b.merged())
                : a.left() != b.left() ? Integer.compare(a.left(), b.left())
                : Integer.compare(a.right(), b.right()));
        return out;
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("Invalid llama2.c tokenizer " + file + ": " + what);
    }
}
