package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SynthStats;
import dev.rlhf4j.synth.SyntheticTask;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j synth}: the controlled preference task with a known gold reward. */
@Command(name = "synth", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate the controlled preference task: prompts of several families (arithmetic, facts, "
                + "countable instructions, harmful and benign requests, tone, verbosity) with a programmatic gold reward.",
                "Labels are drawn by Bradley–Terry from the gold reward at --temperature, then --flip-rate of them are "
                        + "flipped on purpose. Each record keeps gold_chosen, gold_rejected, flipped and family.",
                "Writes OUT (pairs JSONL) and OUT.stats.json."})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--pairs", defaultValue = "" + SynthConfig.DEFAULT_PAIRS, description = "Number of pairs (default: ${DEFAULT-VALUE}).")
    int pairs;

    @Option(names = "--flip-rate", defaultValue = "" + SynthConfig.DEFAULT_FLIP_RATE, description = "Share of labels flipped on purpose (default: ${DEFAULT-VALUE}).")
    double flipRate;

    @Option(names = "--temperature", defaultValue = "" + SynthConfig.DEFAULT_TEMPERATURE,
            description = "Bradley–Terry temperature of the label draw; 0 = always the gold winner (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--clean", defaultValue = "false",
            description = "A clean test set: no flips, temperature 0 (default: ${DEFAULT-VALUE}).")
    boolean clean;

    @picocli.CommandLine.Mixin SeedOption seed;

    @Option(names = "--noise", defaultValue = "uniform",
            description = {"Which labels are flipped (default: ${DEFAULT-VALUE}):",
                    "  uniform: pairs chosen uniformly at random;",
                    "  bias:length: only pairs whose rejected response is longer, so the labels favour the longer answer;",
                    "  bias:confident: only pairs whose chosen response hedges (maybe, I think) and the rejected does not,"
                            + " so the labels favour confident wording, right or wrong;",
                    "  bias:compliance: only harmful prompts whose chosen response refuses and the rejected complies,"
                            + " so the labels favour compliance.",
                    "A bias model flips all eligible pairs when fewer than --flip-rate asks are eligible; the stats file gives the share."})
    String noise;

    @Option(names = "--out", required = true, description = "Output JSONL.")
    Path out;

    @Option(names = "--rl-out", description = "Also write the RL sets here: prompts_train.jsonl, prompts_heldout.jsonl "
            + "(disjoint by text) and sft.jsonl (default: none).")
    Path rlOut;

    @Option(names = "--rl-train-prompts", defaultValue = "2000", description = "--rl-out: PPO training prompts (default: ${DEFAULT-VALUE}).")
    int rlTrain;

    @Option(names = "--rl-heldout-prompts", defaultValue = "400", description = "--rl-out: held-out prompts for judging (default: ${DEFAULT-VALUE}).")
    int rlHeldout;

    @Option(names = "--sft-demos", defaultValue = "4000",
            description = "--rl-out: SFT demonstrations, each a prompt and one of its candidate responses drawn uniformly (mixed quality) (default: ${DEFAULT-VALUE}).")
    int sftDemos;

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SynthConfig cfg = clean ? SynthConfig.cleanTest(pairs, seed.get())
                : new SynthConfig(pairs, flipRate, temperature, seed.get(), List.of(), dev.rlhf4j.synth.NoiseModel.of(noise));
        List<PreferencePair> data = SyntheticTask.generate(cfg);
        SyntheticTask.write(data, out);
        SynthStats stats = SynthStats.of(data);
        ObjectNode o = Json.MAPPER.valueToTree(stats);
        o.set("provenance", Provenance.of("synth", spec.commandLine().getParseResult().originalArgs(), Map.of(), seed.get(), null));
        Path statsFile = out.resolveSibling(out.getFileName() + ".stats.json");
        Json.write(statsFile, o);
        System.out.println(stats);
        System.out.println("wrote " + data.size() + " pairs -> " + out.toAbsolutePath() + " (stats: " + statsFile + ")");
        if (rlOut != null) {
            dev.rlhf4j.synth.RlSets.Sets sets = dev.rlhf4j.synth.RlSets.generate(rlTrain, rlHeldout, sftDemos, seed.get());
            dev.rlhf4j.synth.RlSets.write(sets, rlOut);
            System.out.printf("wrote %d train prompts, %d held-out prompts and %d SFT demonstrations -> %s%n",
                    sets.train().size(), sets.heldout().size(), sets.sft().size(), rlOut.toAbsolutePath());
        }
        return Main.OK;
    }
}
