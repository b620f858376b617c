package dev.rlhf4j.cli;

import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.decoder.ScratchDecoder;
import picocli.CommandLine.Option;

/** Which backbone a new reward model starts from, and how it reads its input. */
public final class ModelOptions {
    @Option(names = "--backbone", defaultValue = "minilm",
            description = "Backbone: minilm (all-MiniLM-L6-v2), bge-small (bge-small-en-v1.5), tiny-random (smoke tests), "
                    + "a Hugging Face directory (BERT family; Llama, Mistral, Qwen2, GPT-2 decoders) or a llama2.c "
                    + "model file (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--pooling", defaultValue = "auto",
            description = "What the reward head reads: cls, mean, last, or auto = cls for encoders and the last real token "
                    + "(EOS) for decoders (default: ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--max-length", defaultValue = "128",
            description = "Tokens per (context, response) input; the oldest turns are dropped first. On HH-RLHF 128 "
                    + "scored as well as 256 at half the time (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Option(names = "--init", defaultValue = "pretrained",
            description = "pretrained: the --backbone weights; scratch: a Llama-shaped decoder with random weights "
                    + "(--layers, --dim, --heads, --kv-heads, --ffn, --vocab-from) (default: ${DEFAULT-VALUE}).")
    String init;

    @Option(names = "--layers", defaultValue = "4", description = "--init scratch: decoder layers (default: ${DEFAULT-VALUE}).")
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
                    + "directory, a llama2.c model .bin or a llama2.c tokenizer .bin (no default).")
    String vocabFrom;

    public ModelSpec spec() {
        Pooling p = pooling.equalsIgnoreCase("auto") ? null : Pooling.parse(pooling);
        ScratchDecoder scratch = switch (init.toLowerCase()) {
            case "pretrained" -> null;
            case "scratch" -> new ScratchDecoder(layers, dim, heads, kvHeads == 0 ? heads : kvHeads, ffn, vocabFrom);
            default -> throw new IllegalArgumentException("--init must be pretrained or scratch, got '" + init + "'");
        };
        return new ModelSpec(backbone, p, maxLength, device.get(), scratch);
    }
}
