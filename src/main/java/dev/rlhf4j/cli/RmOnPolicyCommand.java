package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.decoder.GenerationConfig;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.rl.BestOfNCurves;
import dev.rlhf4j.rl.PolicySamples;
import dev.rlhf4j.rl.RewardFunction;
import dev.rlhf4j.rl.RmOnPolicy;
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

/** {@code rlhf4j rm-on-policy}: reward-model accuracy against gold on pairs of the policy's own samples. */
@Command(name = "rm-on-policy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reward-model accuracy on the policy's own distribution: k answers per distinct held-out prompt with PPO's sampling",
                "settings; on the within-prompt pairs whose gold differs, each reward model's pairwise accuracy against gold, Kendall",
                "tau-b per prompt (averaged), accuracy by |delta gold| quartile band and MetaRM's difference loss J, with 95%% bootstrap",
                "intervals over prompts; from the second model on, its accuracy minus the first's on the same pairs (paired bootstrap",
                "test). Several --policy (e.g. PPO snapshots) are measured one after the other. Prints tables; writes rm_on_policy.json."})
public final class RmOnPolicyCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, description = "A policy: a run directory (its policy/) or a policy directory; repeat for several.")
    List<Path> policies;
    @Option(names = "--reward-model", required = true, description = "A reward-model directory (any backbone) or a /get_reward URL; repeat to compare.")
    List<String> rewardModels;
    @Option(names = "--samples-per-prompt", defaultValue = "8", description = "k: answers per prompt (default: ${DEFAULT-VALUE}).")
    int k;
    @Mixin SeedOption seed;
    @Mixin HeldOutPromptOptions prompts;
    @Option(names = "--out", description = "Directory for rm_on_policy.json (default: the first --policy when it is a directory, else the current one).")
    Path out;
    @Option(names = "--json", description = "Print rm_on_policy.json instead of the tables (default: the tables).")
    boolean json;
    @Mixin SamplingOptions sampling;
    @Mixin BootstrapOptions bootstrap;
    @Mixin DeviceOption device;
    @Mixin RlThreads threads;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (k < 2) throw new IllegalArgumentException("--samples-per-prompt must be ≥ 2 to form pairs, got " + k);
        threads.apply();
        List<String> ps = prompts.distinct();
        GenerationConfig gen = sampling.generation(false, seed.get());
        Path dir = out != null ? out : Files.isDirectory(policies.get(0)) ? policies.get(0) : Path.of(".");
        ObjectNode r = Json.MAPPER.createObjectNode();
        ArrayNode results = r.putArray("policies");
        List<RewardFunction> rms = new ArrayList<>();
        try {
            for (String rm : rewardModels) rms.add(Scorers.open(rm, device.get(), prompts.apiKeyEnv));
            for (Path policy : policies) {
                List<List<String>> samples = PolicySamples.byPrompt(PolicySamples.sample(policy, ps, k, gen, prompts.maxTokens, device.get()));
                double[][] gold = PolicySamples.gold(ps, samples);
                List<BestOfNCurves.Scores> scores = new ArrayList<>();
                for (int m = 0; m < rms.size(); m++) {
                    scores.add(new BestOfNCurves.Scores(rewardModels.get(m), PolicySamples.score(rms.get(m), ps, samples)));
                }
                ObjectNode one = RmOnPolicy.measure(gold, scores, bootstrap.bootstrap());
                one.put("policy", policy.toString());
                double mean = 0;
                for (double[] g : gold) for (double x : g) mean += x;
                one.put("mean_gold", mean / Math.max(1, ps.size() * k));
                results.add(one);
                if (!json) System.out.print(RmOnPolicy.table(one));
            }
        } finally {
            for (RewardFunction f : rms) f.close();
        }
        r.put("prompts_file", prompts.file.toString());
        r.set("generation", Json.MAPPER.valueToTree(gen));
        r.set("provenance", Provenance.of("rm-on-policy", spec.commandLine().getParseResult().originalArgs(), Map.of("prompts", prompts.file), seed.get(),
                Engines.info()));
        Files.createDirectories(dir);
        Json.write(dir.resolve("rm_on_policy.json"), r);
        if (json) System.out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r));
        else System.out.println("-> " + dir.resolve("rm_on_policy.json"));
        return Main.OK;
    }
}
