package dev.rlhf4j.cli;

import dev.rlhf4j.rl.Demonstrations;
import dev.rlhf4j.rl.PolicySamples;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/** The held-out prompts {@code bon} and {@code rm-on-policy} sample answers to, and the key of the reward servers they call. */
public final class HeldOutPromptOptions {
    @Option(names = "--prompts", required = true, description = "Held-out prompts: JSONL with a 'prompt' field (duplicates are sampled once).")
    Path file;
    @Option(names = "--limit", defaultValue = "0", description = "Only the first N distinct prompts, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--max-prompt-tokens", defaultValue = "64", description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxTokens;
    @Option(names = "--api-key-env", description = "Environment variable holding a reward server's API key, for a URL (default: none).")
    String apiKeyEnv;

    /** The file's distinct prompts, the first {@code --limit} of them. */
    List<String> distinct() {
        List<String> ps = PolicySamples.distinct(Demonstrations.promptTexts(file));
        return limit > 0 && ps.size() > limit ? ps.subList(0, limit) : ps;
    }
}
