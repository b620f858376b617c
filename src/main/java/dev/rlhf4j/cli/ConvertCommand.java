package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.provenance.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j convert}: a decoder language model to a Hugging Face directory. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a decoder language model (llama2.c .bin, or a Hugging Face directory in any supported form: "
                + "shards, bf16/fp16, transformers-4 config) as a Hugging Face *ForCausalLM directory in fp32 that "
                + "transformers loads: config.json, model.safetensors, tokenizer.json, tokenizer_config.json, provenance.json."})
public final class ConvertCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true, description = "The model to convert.")
    Path model;

    @Option(names = "--out", required = true, description = "Output directory (created; files replaced atomically).")
    Path out;

    @Override
    public Integer call() {
        try (CausalLm lm = CausalLm.load(model, Engines.device("cpu"))) {
            Path weights = Files.isDirectory(model) ? model.resolve("config.json") : model;
            ObjectNode prov = Provenance.of("convert", spec.commandLine().getParseResult().originalArgs(),
                    Map.of("model", weights), 0, Engines.info());
            lm.save(out, prov);
            System.out.printf("%s: %s, %,d parameters -> %s%n", model, lm.config().family().causalLmClass(),
                    lm.parameters().count(), out.toAbsolutePath());
        }
        return Main.OK;
    }
}
