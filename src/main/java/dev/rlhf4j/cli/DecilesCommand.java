package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.DecileExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code rlhf4j deciles}: one reward model per strength decile, all evaluated on one validation set. */
@Command(name = "deciles", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The decile experiment: sort a strength file by μ̂, cut it into equal parts, train one reward "
                + "model per part, and evaluate each on the same validation set (also against gold where the validation "
                + "records carry gold_chosen/gold_rejected).", "Writes OUT (JSON) and prints the table."})
public final class DecilesCommand implements Callable<Integer> {
    @Option(names = "--strength", required = true, description = "Training pairs with strength (from 'rlhf4j strength').")
    Path strength;

    @Option(names = "--valid", required = true, description = "Validation pairs.")
    Path valid;

    @Option(names = "--parts", defaultValue = "10", description = "Number of equal subsets (default: ${DEFAULT-VALUE}).")
    int parts;

    @Option(names = "--out", required = true, description = "Output JSON file.")
    Path out;

    @Mixin DataOptions dataOptions;
    @Mixin ModelOptions modelOptions;
    @Mixin TrainOptions trainOptions;
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<PreferencePair> train = PreferenceDataset.load(strength, "auto", false).pairs();
        List<PreferencePair> validPairs = dataOptions.load(valid, System.err).pairs();
        boolean gold = !validPairs.isEmpty() && validPairs.stream().allMatch(p -> p.number("gold_chosen").isPresent());
        ObjectNode r = DecileExperiment.run(train, validPairs, parts, modelOptions.spec(), trainOptions.config(),
                trainOptions.lossFunction(), gold, System.err);
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("strength", strength);
        inputs.put("valid", valid);
        r.set("provenance", Provenance.of("deciles", spec.commandLine().getParseResult().originalArgs(), inputs,
                trainOptions.config().seed(), Engines.info()));
        Json.write(out, r);
        DecileExperiment.print(r, System.out);
        System.out.println("wrote " + out.toAbsolutePath());
        return Main.OK;
    }
}
