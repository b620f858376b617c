package dev.rlhf4j.spark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.cli.DataOptions;
import dev.rlhf4j.cli.ModelOptions;
import dev.rlhf4j.cli.StrengthCommand;
import dev.rlhf4j.cli.TrainOptions;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Split;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.EnsemblePlan;
import dev.rlhf4j.strength.PairStrength;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.strength.StrengthScheme;
import dev.rlhf4j.strength.StrengthSummary;
import dev.rlhf4j.train.ProgressListener;
import dev.rlhf4j.train.TrainConfig;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code rlhf4j spark strength}: the local {@code strength} as a Spark job. Stage 1 trains one member per task
 * (member k: seed + k, the scheme's data), each writing its checkpoint and then a {@code _SUCCESS} marker to
 * OUT/members/member-k; a member whose marker matches this run's settings is skipped when the job runs again.
 * Stage 2 cuts the pairs into partitions; each loads every member once and scores its pairs with the members
 * that score them. The driver reduces the scores to μ̂ and σ̂ and writes what the local command writes.
 */
@Command(name = "strength", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Preference strength as a Spark job: one task per ensemble member, then a scoring stage over "
                + "partitions of the pairs. Same options and outputs as 'rlhf4j strength' (OUT/strength.jsonl, "
                + "OUT/strength.json), plus the members' checkpoints in OUT/members/member-K.",
                "Paths may be local or any Hadoop file system URI (hdfs://, s3a://, ...). Failed member tasks are "
                        + "retried by Spark (spark.task.maxFailures; local[N,F] on one machine); finished members "
                        + "are skipped when the job runs again with the same settings."})
public final class SparkStrengthCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Pairs to measure: a path or URI.")
    String data;

    @Option(names = "--train-fraction", defaultValue = "1.0",
            description = "Keep only this share of --data, by prompt hash (default: ${DEFAULT-VALUE}).")
    double trainFraction;

    @Option(names = "--members", defaultValue = "10", description = "Ensemble size M (default: ${DEFAULT-VALUE}, the paper's).")
    int members;

    @Option(names = "--scheme", defaultValue = "order",
            description = "order, kfold or bootstrap, as in 'rlhf4j strength' (default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--out", required = true, description = "Output directory: a path or URI.")
    String out;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Partitions of the scoring stage; 0 = Spark's default parallelism (default: ${DEFAULT-VALUE}).")
    int partitions;

    /** Tests only: these members' first attempts fail after two optimizer steps, so Spark must retry them. */
    @Option(names = "--test-fail-first-attempt", hidden = true, split = ",",
            description = "Members whose first attempt is made to fail mid-run (tests; default: none).")
    List<Integer> failFirstAttempt = new ArrayList<>();

    @Mixin SparkOptions sparkOptions;
    @Mixin DataOptions dataOptions;
    @Mixin ModelOptions modelOptions;
    @Mixin TrainOptions trainOptions;
    @Spec CommandLine.Model.CommandSpec spec;

    /** Options that do not change what a member learns; every other option's value is part of a member's key. */
    private static final Set<String> NOT_IN_KEY = Set.of("--data", "--out", "--partitions", "--master", "--conf",
            "--test-fail-first-attempt", "--help", "--version", "--device");

    StrengthEstimator.Config strengthConfig() {
        return new StrengthEstimator.Config(members, StrengthScheme.parse(scheme), trainOptions.config().seed());
    }

    @Override
    public Integer call() throws Exception {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        TrainConfig cfg = trainOptions.config();
        StrengthEstimator.Config sc = strengthConfig();
        trainOptions.lossFunction();
        modelOptions.spec();
        SparkSession spark = sparkOptions.session("rlhf4j strength");
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            HadoopIo io = HadoopIo.of(jsc.hadoopConfiguration());
            long t0 = System.nanoTime();
            List<PreferencePair> pairs = pairs(io, System.err);
            String dataSha = Provenance.sha256(io.local(data));
            StrengthJob job = new StrengthJob(ownArgs(args), io, out, key(dataSha));
            System.err.printf("spark strength: %d members on %s, %d pairs%n", members, jsc.master(), pairs.size());

            List<Integer> ks = new ArrayList<>();
            for (int k = 0; k < members; k++) ks.add(k);
            long s1 = System.nanoTime();
            List<MemberTask.Outcome> trained = new ArrayList<>(jsc.parallelize(ks, members).map(k -> MemberTask.run(job, k)).collect());
            trained.sort(Comparator.comparingInt(MemberTask.Outcome::member));
            double trainStage = (System.nanoTime() - s1) / 1e9;
            long skipped = trained.stream().filter(MemberTask.Outcome::skipped).count();
            System.err.printf("spark strength: members trained in %s (%d trained, %d already done)%n",
                    ProgressListener.duration(trainStage), members - skipped, skipped);

            int n = pairs.size();
            int parts = Math.max(1, Math.min(n, partitions > 0 ? partitions : jsc.defaultParallelism()));
            List<int[]> ranges = new ArrayList<>();
            for (int p = 0; p < parts; p++) ranges.add(new int[] {(int) ((long) n * p / parts), (int) ((long) n * (p + 1) / parts)});
            long s2 = System.nanoTime();
            List<ScoreTask.Slice> slices = new ArrayList<>(jsc.parallelize(ranges, parts).map(r -> ScoreTask.run(job, r)).collect());
            slices.sort(Comparator.comparingInt(ScoreTask.Slice::from));
            double scoreStage = (System.nanoTime() - s2) / 1e9;
            System.err.printf("spark strength: %d pairs scored in %d partitions in %s%n", n, parts,
                    ProgressListener.duration(scoreStage));

            List<PairStrength> strengths = new ArrayList<>(n);
            double[] scoreSecs = new double[members];
            for (ScoreTask.Slice s : slices) {
                for (int j = 0; j < s.chosen().length; j++) strengths.add(PairStrength.of(s.chosen()[j], s.rejected()[j]));
                for (int k = 0; k < members; k++) scoreSecs[k] += s.memberSeconds()[k];
            }
            EnsemblePlan plan = EnsemblePlan.of(pairs, sc);
            List<StrengthEstimator.Member> ms = new ArrayList<>();
            for (MemberTask.Outcome o : trained) {
                int k = o.member();
                ms.add(new StrengthEstimator.Member(k, plan.trainIndices(k).size(), plan.scoreIndices(k).size(), o.trainSeconds(),
                        scoreSecs[k]));
            }
            StrengthEstimator.Result r = new StrengthEstimator.Result(pairs, strengths, ms, (System.nanoTime() - t0) / 1e9);

            Map<String, Path> inputs = new LinkedHashMap<>();
            inputs.put("data", io.local(data));
            ObjectNode prov = Provenance.of("spark strength", args, inputs, cfg.seed(), Engines.info());
            ObjectNode sp = prov.putObject("spark");
            sp.put("version", spark.version());
            sp.put("master", jsc.master());
            sp.put("default_parallelism", jsc.defaultParallelism());
            sp.put("scoring_partitions", parts);
            sp.put("members_skipped", skipped);
            sp.put("train_stage_seconds", trainStage);
            sp.put("score_stage_seconds", scoreStage);
            Path tmp = Files.createTempDirectory("rlhf4j-strength-");
            try {
                ObjectNode summary = StrengthCommand.write(tmp, r, prov, sc, cfg);
                io.putFile(tmp.resolve("strength.jsonl"), HadoopIo.child(out, "strength.jsonl"));
                io.putFile(tmp.resolve("strength.json"), HadoopIo.child(out, "strength.json"));
                StrengthSummary.print(summary, System.out);
            } finally {
                HadoopIo.deleteLocal(tmp);
            }
            System.out.printf("%d members (%s) on %s in %s: members %s, scoring %s%n", members, scheme, jsc.master(),
                    ProgressListener.duration(r.wallSeconds()), ProgressListener.duration(trainStage),
                    ProgressListener.duration(scoreStage));
            System.out.println("strength file: " + HadoopIo.child(out, "strength.jsonl"));
            System.out.println("summary: " + HadoopIo.child(out, "strength.json"));
            return dev.rlhf4j.cli.Main.OK;
        } finally {
            spark.stop();
        }
    }

    /** The arguments after the subcommand's name (the root command takes no option with a value). */
    private String[] ownArgs(List<String> args) {
        int at = args.indexOf(spec.name());
        return args.subList(at + 1, args.size()).toArray(String[]::new);
    }

    /**
     * What a member's marker must say for the member to be reused: the rlhf4j version, the data's SHA-256 (not its
     * path) and every option that shapes training (defaults included), so a run with other settings retrains instead.
     */
    private String key(String dataSha) {
        Map<String, String> values = new TreeMap<>();
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            if (NOT_IN_KEY.contains(o.longestName())) continue;
            Object v = o.getValue();
            String text = v != null && v.getClass().isArray() ? Arrays.deepToString(new Object[] {v}) : String.valueOf(v);
            values.put(o.longestName(), v != null && v.getClass().isArray() ? text.substring(1, text.length() - 1) : text);
        }
        ObjectNode k = dev.rlhf4j.data.Json.MAPPER.createObjectNode();
        k.put("rlhf4j", Provenance.version());
        k.put("data_sha256", dataSha);
        values.forEach(k::put);
        return k.toString();
    }

    // ---- state shared by the tasks of one executor JVM ----

    private static final Object PAIRS_LOCK = new Object();
    private static String pairsKey;
    private static List<PreferencePair> pairsValue;

    /** The pairs of --data after --train-fraction, read once per JVM (the driver's report goes to {@code log}). */
    List<PreferencePair> pairs(HadoopIo io, PrintStream log) {
        String key = data + "|" + dataOptions.format() + "|" + dataOptions.skipInvalid() + "|" + trainFraction;
        synchronized (PAIRS_LOCK) {
            if (!key.equals(pairsKey)) {
                PrintStream to = log != null ? log : new PrintStream(OutputStream.nullOutputStream());
                List<PreferencePair> p = dataOptions.load(io.local(data), to).pairs();
                if (trainFraction < 1.0) {
                    p = Split.byHash(p, 1.0 - trainFraction).train();
                    to.printf("kept %d pairs (train side of a %.0f/%.0f prompt-hash split)%n", p.size(), 100 * trainFraction,
                            100 * (1 - trainFraction));
                }
                pairsValue = p;
                pairsKey = key;
            }
            return pairsValue;
        }
    }

    /** What a task needs: the command line (re-parsed there into the same settings), storage, and the member key. */
    record StrengthJob(String[] args, HadoopIo io, String out, String key) implements Serializable {
        SparkStrengthCommand command() {
            SparkStrengthCommand c = new SparkStrengthCommand();
            new CommandLine(c).parseArgs(args);
            return c;
        }

        String memberDir(int k) {
            return HadoopIo.child(HadoopIo.child(out, "members"), "member-" + k);
        }

        String memberKey(int k) {
            return key.substring(0, key.length() - 1) + ",\"member\":" + k + "}";
        }
    }
}
