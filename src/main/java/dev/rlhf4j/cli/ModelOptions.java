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

    @picocli.CommandLine.Mixin ScratchShapeOptions shape;

    public ModelSpec spec() {
        Pooling p = pooling.equalsIgnoreCase("auto") ? null : Pooling.parse(pooling);
        ScratchDecoder scratch = switch (init.toLowerCase()) {
            case "pretrained" -> null;
            case "scratch" -> new ScratchDecoder(shape.layers, shape.dim, shape.heads, shape.kvHeadsOrHeads(), shape.ffn, shape.vocabFrom);
            default -> throw new IllegalArgumentException("--init must be pretrained or scratch, got '" + init + "'");
        };
        return new ModelSpec(backbone, p, maxLength, device.get(), scratch);
    }
}
