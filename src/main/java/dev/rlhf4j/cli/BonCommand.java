package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.eval.stats.BestOfN;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.BestOfNCurves;
import dev.rlhf4j.rl.PolicySamples;
import dev.rlhf4j.rl.RewardFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j bon}: best-of-n over-optimisation curves of reward models on one policy's samples. */
@Command(name = "bon", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Best-of-n curves (Gao et al. 2023): the policy samples N = --n-max answers per distinct prompt once, with PPO's",
                "sampling settings; for n = 1, 2, 4, ..., N each reward model picks the best of n (exactly: the expectation over all",
                "n-subsets of the N samples) and the gold reward of its pick is reported against KL_bon = log n - (n - 1)/n, with",
                "95%% bootstrap intervals over prompts. Prints a table; writes bon.json (the curves, each RM's difference from the",
                "first on the same prompts) and bon_samples.jsonl (every answer, its gold and each RM's score)."})
public final class BonCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "The sampling policy (SFT): a run directory (its policy/) or a policy directory.")
    Path policy;
    @Option(names = "--reward-model", required = true,
            description = "A reward model that picks: a directory (any backbone), 'gold' (the controlled task's gold reward: the oracle curve) "
                    + "or a /get_reward URL; repeat for one curve each.")
    List<String> rewardModels;
    @Option(names = "--n-max", defaultValue = "64", description = "N: samples per prompt; n runs over the powers of two up to it (default: ${DEFAULT-VALUE}).")
    int nMax;
    @Mixin SeedOption seed;
    @Mixin HeldOutPromptOptions prompts;
    @Option(names = "--out", description = "Directory for bon.json and bon_samples.jsonl (default: --policy when it is a directory, else the current one).")
    Path out;
    @Option(names = "--json", description = "Print bon.json instead of the table (default: the table).")
    boolean json;
    @Mixin SamplingOptions sampling;
    @Mixin BootstrapOptions bootstrap;
    @Mixin DeviceOption device;
    @Mixin RlThreads threads;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (nMax < 1) throw new IllegalArgumentException("--n-max must be ≥ 1, got " + nMax);
        threads.apply();
        List<String> ps = prompts.distinct();
        GenerationConfig gen = sampling.generation(false, seed.get());
        Path dir = out != null ? out : Files.isDirectory(policy) ? policy : Path.of(".");
        ObjectNode prov = Provenance.of("bon", spec.commandLine().getParseResult().originalArgs(), Map.of("prompts", prompts.file), seed.get(), Engines.info());
        long t0 = System.nanoTime();
        List<List<String>> samples = PolicySamples.byPrompt(PolicySamples.sample(policy, ps, nMax, gen, prompts.maxTokens, device.get()));
        double sampleSeconds = (System.nanoTime() - t0) / 1e9;
        double[][] gold = PolicySamples.gold(ps, samples);
        List<BestOfNCurves.Scores> scores = new ArrayList<>();
        for (String rm : rewardModels) {
            try (RewardFunction f = Scorers.open(rm, device.get(), prompts.apiKeyEnv)) {
                scores.add(new BestOfNCurves.Scores(rm, PolicySamples.score(f, ps, samples)));
            }
        }
        ObjectNode r = BestOfNCurves.curves(ps, samples, gold, scores, BestOfN.powersOfTwo(nMax), bootstrap.bootstrap());
        r.put("policy", policy.toString());
        r.put("prompts_file", prompts.file.toString());
        r.put("sample_seconds", sampleSeconds);
        r.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
        r.set("generation", Json.MAPPER.valueToTree(gen));
        r.set("provenance", prov);
        Files.createDirectories(dir);
        Json.write(dir.resolve("bon.json"), r);
        BestOfNCurves.writeSamples(dir.resolve("bon_samples.jsonl"), ps, samples, gold, scores);
        if (json) System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        else System.out.print(BestOfNCurves.table(r) + "-> " + dir.resolve("bon.json") + "\n");
        return Main.OK;
    }
}
