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
@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect preference data.",
        subcommands = {DataCommand.Inspect.class})
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
}
