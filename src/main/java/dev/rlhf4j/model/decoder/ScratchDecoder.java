package dev.rlhf4j.model.decoder;

import dev.rlhf4j.model.weights.Llama2cCheckpoint;
import dev.rlhf4j.text.Llama2cTokenizer;
import dev.rlhf4j.text.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shape of a Llama-style decoder initialised at random ({@code --init scratch}), with the vocabulary of an
 * existing tokenizer, so that a policy or reward model that fits a CPU can be trained from nothing.
 *
 * @param ffn       SwiGLU width; 0 picks llama2.c's rule (⅔ of 4·dim, rounded up to a multiple of 32)
 * @param vocabFrom a tokenizer.json, a Hugging Face directory, a llama2.c model (its tokenizer beside it) or a
 *                  llama2.c tokenizer .bin
 */
public record ScratchDecoder(int layers, int dim, int heads, int kvHeads, int ffn, String vocabFrom) {
    public ScratchDecoder {
        if (layers <= 0 || dim <= 0 || heads <= 0) {
            throw new IllegalArgumentException("--layers, --dim and --heads must be positive (got " + layers + ", " + dim + ", " + heads + ")");
        }
        if (dim % heads != 0) throw new IllegalArgumentException("--dim " + dim + " is not a multiple of --heads " + heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("--heads " + heads + " is not a multiple of --kv-heads " + kvHeads);
        }
        if (vocabFrom == null || vocabFrom.isBlank()) throw new IllegalArgumentException("--init scratch needs --vocab-from TOKENIZER");
    }

    public int ffnWidth() {
        if (ffn > 0) return ffn;
        int h = 2 * (4 * dim) / 3;
        return (h + 31) / 32 * 32;
    }

    /** The config for {@code tok}'s vocabulary: BOS, EOS and pad found by their usual names. */
    public DecoderConfig config(Tokenizer tok, int maxPositions) {
        int bos = first(tok, "<s>", "<|begin_of_text|>", "<|endoftext|>");
        int eos = first(tok, "</s>", "<|end_of_text|>", "<|endoftext|>", "<|im_end|>");
        if (eos < 0) throw new IllegalArgumentException(vocabFrom + ": the tokenizer has no end-of-sequence token (</s>, <|endoftext|>)");
        int pad = first(tok, "<pad>", "<unk>");
        boolean addBos = bos >= 0 && bos != eos;
        return DecoderConfig.llama(tok.vocabularySize(), dim, layers, heads, kvHeads, ffnWidth(), maxPositions,
                bos, eos, pad, addBos);
    }

    private static int first(Tokenizer tok, String... names) {
        for (String n : names) if (tok.idOf(n) >= 0) return tok.idOf(n);
        return -1;
    }

    /** The tokenizer {@code vocabFrom} names. */
    public static Tokenizer tokenizer(String vocabFrom) {
        Path p = Path.of(vocabFrom);
        if (Files.isDirectory(p)) return Tokenizer.fromFile(dev.rlhf4j.model.ModelFiles.require(p, "tokenizer.json"));
        if (!Files.isRegularFile(p)) throw new IllegalArgumentException("--vocab-from " + vocabFrom + " does not exist");
        if (p.getFileName().toString().endsWith(".json")) return Tokenizer.fromFile(p);
        if (Llama2cCheckpoint.looksLikeLlama2c(p)) return DecoderCheckpoint.readLlama2c(p).tokenizer();
        return Tokenizer.fromBytes(Llama2cTokenizer.toTokenizerJson(p), vocabFrom);
    }
}
