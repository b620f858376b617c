package dev.rlhf4j.cli;

import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import picocli.CommandLine.Option;

/** Which backbone a new reward model starts from, and how it reads its input. */
public final class ModelOptions {
    @Option(names = "--backbone", defaultValue = "minilm",
            description = "Pretrained backbone: minilm (all-MiniLM-L6-v2, 6 layers), bge-small (bge-small-en-v1.5, "
                    + "12 layers), tiny-random (2 layers, random weights: smoke tests only) or a Hugging Face BERT directory with config.json, model.safetensors, tokenizer.json "
                    + "(default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--pooling", defaultValue = "cls",
            description = "What the reward head reads: cls, mean or last (default: ${DEFAULT-VALUE}).")
    String pooling;

    @Option(names = "--max-length", defaultValue = "128",
            description = "Tokens per (context, response) input; the oldest turns are dropped first. On HH-RLHF 128 "
                    + "scored as well as 256 at half the time (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--device", defaultValue = "cpu",
            description = "cpu, gpu or gpu:N; a GPU needs the CUDA native jar of your platform (default: ${DEFAULT-VALUE}).")
    String device;

    ModelSpec spec() {
        return new ModelSpec(backbone, Pooling.parse(pooling), maxLength, Engines.device(device));
    }
}
