package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.CausalLm;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.model.decoder.Generator;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.text.ChatTemplates;
import dev.rlhf4j.text.PromptRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j generate}: continue prompts with a decoder language model. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Continue prompts with a decoder language model (Llama, Mistral, Qwen2, GPT-2 or llama2.c).",
                "Prints each continuation and the speed in new tokens per second; --out also writes JSONL "
                        + "(prompt, completion, token counts, stop reason) and OUT.provenance.json."})
public final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", required = true,
            description = "A Hugging Face *ForCausalLM directory or a llama2.c model .bin (its tokenizer beside it).")
    Path model;

    @Option(names = "--prompt", description = "A prompt; may be repeated (default: none).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--prompts", description = "A file of prompts: JSONL with a 'prompt' field, or plain text, one per line (default: none).")
    Path promptFile;

    @Option(names = "--out", description = "Write the continuations as JSONL here (default: the screen only).")
    Path out;

    @Option(names = "--max-new-tokens", defaultValue = "128", description = "Tokens generated at most per prompt (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--greedy", description = "Arg-max decoding; the sampling options are ignored (default: sampling).")
    boolean greedy;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Sampling temperature (default: ${DEFAULT-VALUE}, the paper's PPO sampling).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass; 1 = off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the k most likely tokens; 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--repetition-penalty",
            description = "Penalty on tokens already in the sequence; 1 = off (default: 1.1 when sampling, the paper's; 1 with --greedy).")
    Double repetitionPenalty;

    @Option(names = "--stop", description = "Stop a continuation where this string appears (cut off); may be repeated (default: EOS only).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past EOS up to --max-new-tokens (default: stop at EOS).")
    boolean ignoreEos;

    @Option(names = "--chat", description = "Wrap each prompt as a user turn: the model's chat template, or 'Human: …\\n\\nAssistant:' "
            + "(default: the prompt text as given).")
    boolean chat;

    @Option(names = "--no-cache", description = "Recompute the whole sequence at every step instead of keeping keys and values "
            + "(much slower; for checking and measuring) (default: KV cache on).")
    boolean noCache;

    @Option(names = "--batch-size", defaultValue = "8", description = "Prompts generated together, left-padded (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @picocli.CommandLine.Mixin SeedOption seed;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Override
    public Integer call() throws Exception {
        List<String> texts = new ArrayList<>(prompts);
        if (promptFile != null) texts.addAll(readPrompts(promptFile));
        if (texts.isEmpty()) throw new IllegalArgumentException("give --prompt TEXT or --prompts FILE");
        if (batchSize <= 0) throw new IllegalArgumentException("--batch-size must be positive, got " + batchSize);
        double penalty = repetitionPenalty != null ? repetitionPenalty : greedy ? 1.0 : 1.1;
        GenerationConfig cfg = new GenerationConfig(maxNewTokens, greedy, temperature, topK, topP, penalty, stop,
                !ignoreEos, !noCache, seed.get());
        try (CausalLm lm = CausalLm.load(model, device.get())) {
            PromptRenderer renderer = chat ? ChatTemplates.renderer(lm.tokenizerConfig()) : null;
            Generator gen = new Generator(lm);
            List<ObjectNode> records = new ArrayList<>();
            long tokens = 0;
            double seconds = 0;
            List<int[]> allIds = new ArrayList<>();
            for (String p : texts) {
                allIds.add(renderer == null ? lm.encode(p) : lm.encodeRendered(renderer.render(List.of(Turn.user(p)), true)));
            }
            int[] sample = Generator.occurrences(allIds); // counted over all prompts: a repeated prompt draws anew in any batch
            for (int start = 0; start < texts.size(); start += batchSize) {
                int end = Math.min(texts.size(), start + batchSize);
                List<String> part = texts.subList(start, end);
                Generator.Result r = gen.generate(allIds.subList(start, end), java.util.Arrays.copyOfRange(sample, start, end), cfg);
                tokens += r.newTokens();
                seconds += r.seconds();
                for (int i = 0; i < part.size(); i++) {
                    Generator.Generation g = r.generations().get(i);
                    System.out.println("### prompt " + (start + i + 1) + ": " + part.get(i));
                    System.out.println(g.text());
                    System.out.println("    (" + g.newIds().length + " tokens, " + g.stopReason() + ")");
                    ObjectNode o = Json.MAPPER.createObjectNode();
                    o.put("prompt", part.get(i));
                    o.put("completion", g.text());
                    o.put("prompt_tokens", g.promptIds().length);
                    o.put("new_tokens", g.newIds().length);
                    o.put("stop_reason", g.stopReason());
                    records.add(o);
                }
                System.err.printf("generate: %d/%d prompts, %.1f tokens/s%n", start + part.size(), texts.size(), r.tokensPerSecond());
            }
            System.out.printf("%d prompt(s), %d new tokens in %.2f s: %.1f tokens/s (%s, KV cache %s)%n", texts.size(), tokens,
                    seconds, seconds > 0 ? tokens / seconds : 0, greedy ? "greedy" : "sampling", noCache ? "off" : "on");
            if (out != null) {
                Jsonl.write(out, records);
                Map<String, Path> inputs = new LinkedHashMap<>();
                inputs.put("model", Files.isDirectory(model) ? model.resolve("model.safetensors") : model);
                inputs.put("prompts", promptFile);
                ObjectNode prov = Provenance.of("generate", spec.commandLine().getParseResult().originalArgs(), inputs, seed.get(),
                        Engines.info());
                prov.put("new_tokens", tokens);
                prov.put("seconds", seconds);
                Path p = out.resolveSibling(out.getFileName() + ".provenance.json");
                Json.writeAtomically(p, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(prov));
                System.out.println("wrote " + records.size() + " continuations -> " + out.toAbsolutePath());
            }
        }
        return Main.OK;
    }

    static List<String> readPrompts(Path file) throws Exception {
        List<String> out = new ArrayList<>();
        try (BufferedReader in = Jsonl.openText(file)) {
            int line = 0;
            for (String l; (l = in.readLine()) != null; ) {
                line++;
                if (l.isBlank()) continue;
                if (l.stripLeading().startsWith("{")) {
                    JsonNode n;
                    try {
                        n = Json.MAPPER.readTree(l);
                    } catch (Exception e) {
                        throw new IllegalArgumentException(file + ":" + line + ": not valid JSON: " + e.getMessage());
                    }
                    if (!n.path("prompt").isTextual()) {
                        throw new IllegalArgumentException(file + ":" + line + ": expected an object with a string 'prompt'");
                    }
                    out.add(n.path("prompt").asText());
                } else {
                    out.add(l);
                }
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no prompts");
        return out;
    }
}
