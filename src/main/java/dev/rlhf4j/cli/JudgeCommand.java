package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.Demonstrations;
import dev.rlhf4j.rl.GoldJudge;
import dev.rlhf4j.rl.HttpJudge;
import dev.rlhf4j.rl.Judge;
import dev.rlhf4j.rl.Judging;
import dev.rlhf4j.rl.RewardModelJudge;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j judge}: win / tie / lose of one policy against another. */
@Command(name = "judge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Policy A against policy B on prompts: both answer each prompt k times with the same sampling settings and",
                "seeds (sample j of A paired with sample j of B); the judge scores every answer. Prints and writes to judge.json the",
                "paired mean score difference A − B per prompt (the primary figure) and win / tie / lose, each with a 95%% interval",
                "from a bootstrap over distinct prompts, and the share of identical answers; judge.jsonl holds every comparison."})
public final class JudgeCommand implements Callable<Integer> {
    @Option(names = "--a", required = true, description = "Policy A: a run directory (its policy/) or a policy directory.")
    Path a;
    @Option(names = "--b", required = true, description = "Policy B, as --a.")
    Path b;
    @Option(names = "--prompts", required = true, description = "Held-out prompts: JSONL with a 'prompt' field.")
    Path prompts;
    @Option(names = "--judge", defaultValue = "gold",
            description = "gold (the controlled task's gold reward), a reward-model directory, or the URL of a reward server "
                    + "of OpenRLHF's /get_reward shape (default: ${DEFAULT-VALUE}).")
    String judge;
    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA adapter (SEQ_CLS) put on the --judge reward model as its base (default: none; --judge may "
                    + "also name an adapter directory alone).")
    Path adapter;
    @Option(names = "--tie-band", defaultValue = "0", description = "Score differences within this band are ties (default: ${DEFAULT-VALUE}: equal scores only).")
    double tieBand;
    @Option(names = "--api-key-env", description = "Environment variable holding the server's API key, for a URL judge (default: none).")
    String apiKeyEnv;
    @Option(names = "--limit", defaultValue = "0", description = "Judge only the first N prompts, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--greedy", description = "Arg-max answers (default: sampled as in PPO).")
    boolean greedy;
    @Option(names = "--max-prompt-tokens", defaultValue = "64", description = "Prompt tokens kept (default: ${DEFAULT-VALUE}).")
    int maxPrompt;
    @picocli.CommandLine.Mixin SeedOption seed;
    @Option(names = "--samples-per-prompt", defaultValue = "4",
            description = "k: answers of each policy to each prompt (default: ${DEFAULT-VALUE}).")
    int samplesPerPrompt;
    @Option(names = "--out", description = "Directory for judge.json and judge.jsonl (default: --a when it is a directory, else the current one).")
    Path out;
    @Option(names = "--json", description = "Print judge.json instead of a summary line (default: the summary).")
    boolean json;
    @picocli.CommandLine.Mixin DeviceOption device;

    @picocli.CommandLine.Mixin SamplingOptions sampling;
    @picocli.CommandLine.Mixin BootstrapOptions bootstrap;
    @picocli.CommandLine.Mixin RlThreads threads;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        threads.apply();
        List<String> ps = Demonstrations.promptTexts(prompts);
        if (limit > 0 && ps.size() > limit) ps = ps.subList(0, limit);
        GenerationConfig gen = sampling.generation(greedy, seed.get());
        Path dir = out != null ? out : Files.isDirectory(a) ? a : Path.of(".");
        ObjectNode prov = Provenance.of("judge", spec.commandLine().getParseResult().originalArgs(), Map.of("prompts", prompts), seed.get(), Engines.info());
        try (Judge j = judge(judge)) {
            ObjectNode r = Judging.run(a, b, ps, j, gen, maxPrompt, device.get(), dir, prov,
                    new Judging.Settings(samplesPerPrompt, bootstrap.resamples, bootstrap.seed));
            if (json) {
                System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
            } else {
                System.out.printf("judge (%s): A %s vs B %s on %d prompts%n%s%n-> %s%n", j.name(), a, b, ps.size(), Judging.summary(r),
                        dir.resolve("judge.json"));
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return Main.OK;
    }

    private Judge judge(String spec) {
        if (adapter != null && (spec.equals("gold") || spec.startsWith("http://") || spec.startsWith("https://"))) {
            throw new IllegalArgumentException("--adapter needs a reward-model directory as --judge, not " + spec);
        }
        if (spec.equals("gold")) return new GoldJudge(tieBand);
        if (spec.startsWith("http://") || spec.startsWith("https://")) {
            String key = apiKeyEnv == null ? null : System.getenv(apiKeyEnv);
            if (apiKeyEnv != null && key == null) throw new IllegalArgumentException("--api-key-env " + apiKeyEnv + " is not set");
            return new HttpJudge(spec, key, tieBand);
        }
        return new RewardModelJudge(Path.of(spec), adapter, device.get(), tieBand);
    }
}
