package dev.rlhf4j.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rlhf4j.data.Json;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small cased WordPiece tokenizer (tokenizer.json) built from a corpus: one token per word seen at least
 * {@code minCount} times, plus every single character of the corpus as a word start and as a {@code ##}
 * continuation, so any word made of those characters can still be spelled. Numbers are never whole tokens:
 * they are spelled digit by digit, so a policy sees the same pieces for 12 and 21.
 *
 * <p>Why: a policy small enough to train on a CPU should not spend its capacity (and its softmax) on a
 * 32,000-token vocabulary when the task's language has a few thousand words. Special tokens: {@code <pad>} 0,
 * {@code <unk>} 1, {@code <s>} 2, {@code </s>} 3. Pre-tokenization splits on whitespace and punctuation (BERT's
 * rule); decoding joins {@code ##} pieces and removes the space before punctuation.
 */
public final class WordPieceVocabulary {
    private WordPieceVocabulary() {}

    public static final List<String> SPECIAL = List.of("<pad>", "<unk>", "<s>", "</s>");

    /** The tokenizer.json of {@code corpus}. */
    public static byte[] tokenizerJson(Collection<String> corpus, int minCount) {
        Map<String, Integer> counts = new TreeMap<>();
        java.util.TreeSet<Character> chars = new java.util.TreeSet<>();
        for (String text : corpus) {
            for (String w : words(text)) {
                counts.merge(w, 1, Integer::sum);
                for (char c : w.toCharArray()) chars.add(c);
            }
        }
        for (char c = '0'; c <= '9'; c++) chars.add(c);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String s : SPECIAL) vocab.put(s, vocab.size());
        for (char c : chars) vocab.putIfAbsent(String.valueOf(c), vocab.size());
        for (char c : chars) if (inWord(c)) vocab.putIfAbsent("##" + c, vocab.size());
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String w = e.getKey();
            if (e.getValue() >= minCount && !w.chars().allMatch(Character::isDigit)) vocab.putIfAbsent(w, vocab.size());
        }

        ObjectMapper m = Json.MAPPER;
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : SPECIAL) {
            ObjectNode t = added.addObject();
            t.put("id", vocab.get(s));
            t.put("content", s);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        // Whitespace, then every character that is not a letter, digit or apostrophe on its own: contractions
        // (I'm, can't) stay one word, because the WordPiece decoder's clean-up does not rejoin them.
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        seq.addObject().put("type", "WhitespaceSplit");
        ObjectNode split = seq.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", "[^\\p{L}\\p{N}']");
        split.put("behavior", "Isolated");
        split.put("invert", false);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "WordPiece");
        dec.put("prefix", "##");
        dec.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "<unk>");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** BERT's pre-tokenization: whitespace-separated, each punctuation character its own word. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                flush(cur, out);
            } else if (!inWord(c)) {
                flush(cur, out);
                out.add(String.valueOf(c));
            } else {
                cur.append(c);
            }
        }
        flush(cur, out);
        return out;
    }

    private static boolean inWord(char c) {
        return Character.isLetterOrDigit(c) || c == '\'';
    }

    private static void flush(StringBuilder cur, List<String> out) {
        if (cur.length() > 0) {
            out.add(cur.toString());
            cur.setLength(0);
        }
    }
}
