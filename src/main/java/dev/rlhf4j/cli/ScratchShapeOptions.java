package dev.rlhf4j.cli;

import dev.rlhf4j.rl.Policies;
import picocli.CommandLine.Option;

/**
 * The shape of a decoder with random weights ({@code --init scratch}), shared by {@code sft}, {@code rlhf} and every
 * command that builds a reward model or decoder ({@link ModelOptions}). The defaults are the small policy's,
 * {@link Policies.Shape#small()}.
 */
public final class ScratchShapeOptions {
    @Option(names = "--layers", defaultValue = "2", description = "--init scratch: decoder layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--dim", defaultValue = "128", description = "--init scratch: hidden size (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--heads", defaultValue = "4", description = "--init scratch: attention heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(names = "--kv-heads", defaultValue = "0",
            description = "--init scratch: key/value heads; 0 = --heads (default: ${DEFAULT-VALUE}).")
    int kvHeads;

    @Option(names = "--ffn", defaultValue = "0",
            description = "--init scratch: SwiGLU width; 0 = llama2.c's rule, 2/3 of 4·dim rounded up to 32 (default: ${DEFAULT-VALUE}).")
    int ffn;

    @Option(names = "--vocab-from",
            description = "--init scratch: the tokenizer whose vocabulary the decoder uses: tokenizer.json, a Hugging Face "
                    + "directory, a llama2.c model .bin or a llama2.c tokenizer .bin (default: sft and rlhf build a "
                    + "WordPiece vocabulary from the data's words; reward models need one).")
    String vocabFrom;

    /** Key/value heads, 0 resolved to {@code --heads}. */
    int kvHeadsOrHeads() {
        return kvHeads == 0 ? heads : kvHeads;
    }

    /** A policy of this shape with room for {@code maxPositions} positions. */
    Policies.Shape policy(int maxPositions) {
        return new Policies.Shape(layers, dim, heads, kvHeadsOrHeads(), ffn, maxPositions, vocabFrom);
    }
}
