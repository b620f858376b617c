package dev.rlhf4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.cli.DataOptions;
import dev.rlhf4j.cli.Main;
import dev.rlhf4j.cli.ScoreCommand;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferenceDataset;
import dev.rlhf4j.engine.Engines;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code rlhf4j spark score}: the local {@code score} over a data set of any size, with one model or an ensemble.
 * Records keep their input order: they are numbered, cut into contiguous ranges (one per partition), and each
 * partition loads the models once and scores its records in length-sorted batches.
 */
@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Score preference pairs or {prompt, response} records with a reward model or an ensemble, as a "
                + "Spark job. One model adds what 'rlhf4j score' adds (chosen_reward and rejected_reward, or reward).",
                "An ensemble (--model repeated, or --ensemble) adds the members' mean as chosen_reward/rejected_reward "
                        + "(or reward), their population std as chosen_reward_std/rejected_reward_std (or reward_std), and "
                        + "for pairs the strength fields of 'rlhf4j strength' ('mean preference difference', 'std "
                        + "preference difference', 'chosen score list', 'rejected score list'), which 'denoise' reads.",
                "Reads and writes JSONL (one record per line, .gz read as gzip) or Parquet; OUT is a directory of part "
                        + "files in input order."})
public final class SparkScoreCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Reward-model checkpoint directory (path or URI); repeat for an ensemble (no default).")
    List<String> models = new ArrayList<>();

    @Option(names = "--ensemble",
            description = "The output directory of 'spark strength': its members (OUT/members/member-K) as the ensemble (no default).")
    String ensemble;

    @Option(names = "--data", required = true, description = "Records to score: a JSONL file, a Parquet file or directory, or a glob (path or URI).")
    String data;

    @Option(names = "--out", required = true, description = "Output directory (path or URI), replaced if it exists.")
    String out;

    @Option(names = "--input-format", defaultValue = "auto",
            description = "jsonl, parquet, or auto = parquet when --data ends in .parquet or is a directory, else jsonl "
                    + "(default: ${DEFAULT-VALUE}).")
    String inputFormat;

    @Option(names = "--output-format", defaultValue = "auto",
            description = "jsonl, parquet, or auto = as the input (default: ${DEFAULT-VALUE}).")
    String outputFormat;

    @Option(names = "--compression", defaultValue = "auto",
            description = "Output compression: none, gzip (JSONL, Parquet), snappy, zstd (Parquet), or auto = none for JSONL "
                    + "and snappy for Parquet (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--batch-size", defaultValue = "32", description = "Sequences per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "0",
            description = "Partitions to score in; 0 = Spark's default parallelism (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu, gpu or gpu:N on each executor (default: ${DEFAULT-VALUE}).")
    String device;

    @Mixin SparkOptions sparkOptions;
    @Mixin DataOptions dataOptions;

    @Override
    public Integer call() {
        if (models.isEmpty() == (ensemble == null)) throw new IllegalArgumentException("give --model (repeatable) or --ensemble, not both");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        Engines.device(device);
        SparkSession spark = sparkOptions.session("rlhf4j score");
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            HadoopIo io = HadoopIo.of(jsc.hadoopConfiguration());
            List<String> ms = ensemble != null ? io.subdirs(HadoopIo.child(ensemble, "members"), "member-") : models;
            if (ms.isEmpty()) throw new IllegalArgumentException(ensemble + "/members holds no member-K directory");
            String in = format(inputFormat, data.endsWith(".parquet") || isDirectory(io, data) ? "parquet" : "jsonl", "--input-format");
            String outFormat = format(outputFormat, in, "--output-format");
            long t0 = System.nanoTime();

            Dataset<String> json;
            StructType inputSchema = null;
            if (in.equals("parquet")) {
                Dataset<Row> df = spark.read().parquet(data);
                inputSchema = df.schema();
                json = df.toJSON();
            } else {
                json = spark.read().textFile(data);
            }
            List<String> first = json.filter((org.apache.spark.api.java.function.FilterFunction<String>) s -> !s.isBlank()).takeAsList(1);
            if (first.isEmpty()) throw new IllegalArgumentException(data + ": no records");
            JsonNode firstRecord = Json.MAPPER.readTree(first.get(0));
            boolean responses = ScoreCommand.isSingleResponse(firstRecord);
            String pairFormat = null;
            if (!responses) {
                pairFormat = dataOptions.format().equals("auto")
                        ? PreferenceDataset.detect(firstRecord).orElseThrow(() -> new IllegalArgumentException(data
                                + ": cannot detect the format from the first record; give --format hh, pairs or moss")).name()
                        : PreferenceDataset.format(dataOptions.format().toLowerCase(Locale.ROOT)).name();
            }

            JavaPairRDD<Long, String> indexed = json.javaRDD().zipWithIndex().mapToPair(t -> new Tuple2<>(t._2(), t._1()));
            long n = indexed.count();
            int parts = (int) Math.max(1, Math.min(n, partitions > 0 ? partitions : jsc.defaultParallelism()));
            LongAccumulator done = jsc.sc().longAccumulator("records scored");
            LongAccumulator skipped = jsc.sc().longAccumulator("invalid records skipped");
            ScoreRecords.Job job = new ScoreRecords.Job(ms, io, responses, pairFormat, dataOptions.skipInvalid(), batchSize, device,
                    new org.apache.hadoop.fs.Path(data).getName(), done, skipped);
            JavaRDD<String> scored = indexed.repartitionAndSortWithinPartitions(new IndexRanges(parts, n))
                    .mapPartitions(it -> ScoreRecords.run(job, it));

            Dataset<String> lines = spark.createDataset(scored.rdd(), Encoders.STRING());
            String comp = compression.equals("auto") ? (outFormat.equals("jsonl") ? "none" : "snappy") : compression;
            if (outFormat.equals("jsonl")) {
                lines.write().mode(SaveMode.Overwrite).option("compression", comp).text(out);
            } else {
                StructType schema = inputSchema != null ? inputSchema
                        : spark.read().json(json.filter((org.apache.spark.api.java.function.FilterFunction<String>) s -> !s.isBlank())).schema();
                spark.read().schema(withRewardFields(schema, responses, ms.size())).json(lines)
                        .write().mode(SaveMode.Overwrite).option("compression", comp).parquet(out);
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            long bad = skipped.value();
            System.out.printf("scored %d records with %d model%s on %s in %d partitions (%.1f s)%s -> %s%n", done.value(), ms.size(), ms.size() == 1 ? "" : "s", jsc.master(), parts, secs,
                    bad > 0 ? ", skipped " + bad + " invalid" : "", out);
            return Main.OK;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(data + ": the first record is not JSON: " + e.getOriginalMessage(), e);
        } finally {
            spark.stop();
        }
    }

    private static boolean isDirectory(HadoopIo io, String uri) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            var fs = p.getFileSystem(io.conf());
            return fs.exists(p) && fs.getFileStatus(p).isDirectory();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot reach " + uri + ": " + e.getMessage(), e);
        }
    }

    private static String format(String given, String auto, String option) {
        String f = given.toLowerCase(Locale.ROOT);
        if (f.equals("auto")) return auto;
        if (f.equals("jsonl") || f.equals("parquet")) return f;
        throw new IllegalArgumentException(option + " must be auto, jsonl or parquet, got '" + given + "'");
    }

    /** The input's columns plus what scoring adds (Parquet output needs the schema up front). */
    static StructType withRewardFields(StructType schema, boolean responses, int models) {
        var f = DataTypes.FloatType;
        var d = DataTypes.DoubleType;
        var list = DataTypes.createArrayType(f);
        StructType s = schema;
        if (responses) {
            s = add(s, ScoreRecords.REWARD, models > 1 ? d : f);
            if (models > 1) {
                s = add(s, ScoreRecords.REWARD + "_std", d);
                s = add(s, ScoreRecords.REWARDS, list);
            }
        } else {
            s = add(s, ScoreRecords.CHOSEN, models > 1 ? d : f);
            s = add(s, ScoreRecords.REJECTED, models > 1 ? d : f);
            if (models > 1) {
                s = add(s, ScoreRecords.CHOSEN + "_std", d);
                s = add(s, ScoreRecords.REJECTED + "_std", d);
                s = add(s, dev.rlhf4j.strength.StrengthEstimator.MEAN, d);
                s = add(s, dev.rlhf4j.strength.StrengthEstimator.STD, d);
                s = add(s, dev.rlhf4j.strength.StrengthEstimator.CHOSEN_SCORES, list);
                s = add(s, dev.rlhf4j.strength.StrengthEstimator.REJECTED_SCORES, list);
            }
        }
        return s;
    }

    private static StructType add(StructType s, String name, org.apache.spark.sql.types.DataType type) {
        for (String existing : s.fieldNames()) if (existing.equals(name)) return s; // the record's own field is replaced
        return s.add(name, type);
    }
}
