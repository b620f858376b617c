package dev.rlhf4j.cli;

import dev.rlhf4j.data.LoadResult;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rlhf4j data}: look at preference data before training on it. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect or split preference data.",
        subcommands = {DataCommand.Inspect.class, DataCommand.SplitFiles.class})
public final class DataCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Counts, invalid and suspicious records, and length percentiles in tokens.")
    static final class Inspect implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "Preference file.")
        Path data;

        @Option(names = "--tokenizer", defaultValue = "minilm",
                description = "A tokenizer.json path, or a backbone preset whose tokenizer to use (default: ${DEFAULT-VALUE}).")
        String tokenizer;

        @Option(names = "--max-length", defaultValue = "128",
                description = "Budget to report truncation against (default: ${DEFAULT-VALUE}).")
        int maxLength;

        @Mixin DataOptions dataOptions;

        @Override
        public Integer call() {
            System.out.println(data);
            LoadResult r = dataOptions.load(data, System.out);
            try (Tokenizer tok = RewardModels.tokenizer(tokenizer)) {
                List<PreferencePair> pairs = r.pairs();
                int n = pairs.size();
                int[] prompt = new int[n], chosen = new int[n], rejected = new int[n], input = new int[n];
                int truncated = 0;
                SequenceEncoder enc = new SequenceEncoder(tok, maxLength);
                int[][] promptIds = new int[n][];
                var encoded = enc.encodePairs(pairs);
                for (int i = 0; i < n; i++) {
                    PreferencePair p = pairs.get(i);
                    int len = 0;
                    for (var t : p.prompt()) len += tok.encode(SequenceEncoder.render(t)).length;
                    prompt[i] = len;
                    chosen[i] = tok.encode(p.chosen()).length;
                    rejected[i] = tok.encode(p.rejected()).length;
                    input[i] = Math.max(encoded.get(i).chosen().length(), encoded.get(i).rejected().length());
                    if (encoded.get(i).chosen().truncated() || encoded.get(i).rejected().truncated()) truncated++;
                }
                System.out.println("token lengths (" + tokenizer + "):      p50    p90    p99    max");
                print("prompt", prompt);
                print("chosen", chosen);
                print("rejected", rejected);
                print("model input", input);
                System.out.printf("pairs truncated at --max-length %d: %d (%.1f%%)%n", maxLength, truncated,
                        n == 0 ? 0 : 100.0 * truncated / n);
            }
            return Main.OK;
        }

        private static void print(String name, int[] v) {
            int[] s = v.clone();
            Arrays.sort(s);
            System.out.printf("  %-28s %6d %6d %6d %6d%n", name, pct(s, 50), pct(s, 90), pct(s, 99), s.length == 0 ? 0 : s[s.length - 1]);
        }

        private static int pct(int[] sorted, int p) {
            if (sorted.length == 0) return 0;
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1 < 0 ? 0 : (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
        }
    }

    @Command(name = "split", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write the two sides of train-rm's split by prompt hash (or --group-by FIELD) as files: "
                    + "OUT/train.jsonl and OUT/valid.jsonl with every record unchanged, and OUT/split.json (counts, provenance).",
                    "A pair's side depends only on its key, so splitting OUT/valid.jsonl again at a smaller fraction "
                            + "(e.g. 0.1 of a 0.2 split) halves it by the same hash."})
    static final class SplitFiles implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "Preference file.")
        Path data;

        @Option(names = "--valid-fraction", defaultValue = "0.2",
                description = "Share held out for validation, train-rm's default (default: ${DEFAULT-VALUE}).")
        double validFraction;

        @Option(names = "--group-by", description = "Record field that keeps related pairs on one side (default: the prompt text).")
        String groupBy;

        @Option(names = "--out", required = true, description = "Output directory.")
        Path out;

        @Mixin DataOptions dataOptions;
        @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            List<PreferencePair> pairs = dataOptions.load(data, System.err).pairs();
            dev.rlhf4j.data.Split split = groupBy == null ? dev.rlhf4j.data.Split.byHash(pairs, validFraction)
                    : dev.rlhf4j.data.Split.byHash(pairs, validFraction, dev.rlhf4j.data.Split.groupBy(groupBy));
            java.nio.file.Files.createDirectories(out);
            dev.rlhf4j.data.Jsonl.write(out.resolve("train.jsonl"), split.train().stream().map(PreferencePair::record).toList());
            dev.rlhf4j.data.Jsonl.write(out.resolve("valid.jsonl"), split.valid().stream().map(PreferencePair::record).toList());
            var summary = dev.rlhf4j.data.Json.MAPPER.createObjectNode();
            summary.put("train_pairs", split.train().size());
            summary.put("valid_pairs", split.valid().size());
            summary.put("valid_fraction", validFraction);
            summary.put("key", groupBy == null ? "prompt" : groupBy);
            summary.set("provenance", dev.rlhf4j.provenance.Provenance.of("data split",
                    spec.commandLine().getParseResult().originalArgs(), java.util.Map.of("data", data), 0, null));
            dev.rlhf4j.data.Json.write(out.resolve("split.json"), summary);
            System.out.printf("%d train, %d validation pairs (split by %s hash, fraction %s) -> %s%n", split.train().size(),
                    split.valid().size(), groupBy == null ? "prompt" : groupBy, validFraction, out.toAbsolutePath());
            return Main.OK;
        }
    }
}
