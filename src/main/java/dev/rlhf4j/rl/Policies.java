package dev.rlhf4j.rl;

import ai.djl.Device;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.ScratchDecoder;
import dev.rlhf4j.text.Tokenizer;
import dev.rlhf4j.text.WordPieceVocabulary;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where a policy comes from: a checkpoint, or a small random Llama shape that fits a CPU. */
public final class Policies {
    private Policies() {}

    /** Shape of a scratch policy; {@code vocabFrom} null builds a WordPiece vocabulary from the training texts. */
    public record Shape(int layers, int dim, int heads, int kvHeads, int ffn, int maxPositions, String vocabFrom) {
        /** 2 layers, 128 wide, 4 heads, SwiGLU 352, 256 positions, vocabulary from the data. */
        public static Shape small() {
            return new Shape(2, 128, 4, 4, 0, 256, null);
        }
    }

    /** A checkpoint (HF directory or llama2.c .bin). */
    public static CausalLm load(Path path, Device device) {
        if (dev.rlhf4j.model.lora.Adapters.isAdapter(path)) return dev.rlhf4j.model.lora.Adapters.loadCausalLm(null, path, device); // PEFT LoRA on its base
        return CausalLm.load(path, device);
    }

    /** A random policy of {@code shape}; its vocabulary comes from {@code shape.vocabFrom} or from {@code data}. */
    public static CausalLm scratch(Shape shape, List<Demonstrations.Example> data, Device device, long seed) {
        Tokenizer tok;
        String origin;
        if (shape.vocabFrom() != null) {
            tok = ScratchDecoder.tokenizer(shape.vocabFrom());
            origin = shape.vocabFrom();
        } else {
            List<String> corpus = new ArrayList<>(2 * data.size());
            for (Demonstrations.Example e : data) {
                corpus.add(e.prompt());
                corpus.add(e.response());
            }
            tok = Tokenizer.fromBytes(WordPieceVocabulary.tokenizerJson(corpus, 1), "the SFT data");
            origin = "a WordPiece vocabulary of the SFT data";
        }
        ScratchDecoder s = new ScratchDecoder(shape.layers(), shape.dim(), shape.heads(),
                shape.kvHeads() > 0 ? shape.kvHeads() : shape.heads(), shape.ffn(), origin);
        DecoderConfig c = s.config(tok, shape.maxPositions());
        return CausalLm.scratch(c, tok, device, seed);
    }
}
