package dev.rlhf4j.spark;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.cli.Main;
import dev.rlhf4j.cli.ScoreCommand;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.eval.PairScorer;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SparkScoreTest {
    @TempDir Path tmp;

    private static Path shared(String rel) {
        Path p = Path.of(System.getProperty("rlhf4j.shared", "../../shared")).toAbsolutePath().normalize().resolve(rel);
        if (!Files.exists(p)) {
            throw new IllegalStateException(p + " is missing: the test reads the shared data (-Drlhf4j.shared=DIR)");
        }
        return p;
    }

    private Path save(String backbone, int maxLength, long seed, String name) {
        Path dir = tmp.resolve(name);
        try (RewardModel m = RewardModels.pretrained(backbone, Device.cpu(), Pooling.CLS, maxLength, seed)) {
            RewardModels.save(m, dir, null);
        }
        return dir;
    }

    /** Part files of a Spark output directory, in order, as records. */
    private static List<JsonNode> readParts(Path dir) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                out.addAll(SparkStrengthTest.read(f));
            }
        }
        return out;
    }

    @Test
    void scoringHhRlhfOnSparkEqualsTheLocalScoreCommand() throws Exception {
        Path hh = shared("data/hh-rlhf/harmless-base/test.jsonl.gz");
        // A small random BERT (MiniLM's tokenizer) keeps the two passes over 4,624 sequences cheap; the equality under
        // test is the job's (order, fields, batching), the same for any model.
        Path model = save(RewardModels.TINY_RANDOM, 64, 3, "rm");
        Path ref = tmp.resolve("ref.jsonl");
        assertThat(Main.execute("score", "--model", model.toString(), "--data", hh.toString(), "--out", ref.toString())).isZero();
        Path out = tmp.resolve("spark-out");
        assertThat(SparkMain.execute("score", "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--partitions", "4",
                "--model", model.toString(), "--data", hh.toString(), "--out", out.toString())).isZero();

        List<JsonNode> want = SparkStrengthTest.read(ref);
        List<JsonNode> got = readParts(out);
        assertThat(want).hasSize(2312);
        assertThat(got).hasSize(want.size());
        double maxDiff = 0;
        for (int i = 0; i < want.size(); i++) {
            JsonNode g = got.get(i), w = want.get(i);
            assertThat(g.path("chosen")).isEqualTo(w.path("chosen")); // same record, same order
            assertThat(g.size()).isEqualTo(w.size());
            maxDiff = Math.max(maxDiff, Math.abs(g.path("chosen_reward").asDouble() - w.path("chosen_reward").asDouble()));
            maxDiff = Math.max(maxDiff, Math.abs(g.path("rejected_reward").asDouble() - w.path("rejected_reward").asDouble()));
        }
        // Partitions batch the sequences differently from the one local pass; the rewards still agree to float precision.
        System.out.println("spark score vs score, HH-RLHF harmless-base test: largest reward difference " + maxDiff);
        assertThat(maxDiff).as("largest reward difference").isLessThan(1e-5);
    }

    @Test
    void ensemblesGiveMeanAndStdInJsonlAndParquet() throws Exception {
        Path a = save(RewardModels.TINY_RANDOM, 32, 1, "a"), b = save(RewardModels.TINY_RANDOM, 32, 2, "b");
        // Pairs, read from Parquet (written by Spark from the synthetic task's records), scored into JSONL.
        List<PreferencePair> pairs = SyntheticTask.generate(new SynthConfig(40, 0.2, 0.25, 3, List.of()));
        Path pairsJsonl = tmp.resolve("pairs.jsonl");
        Jsonl.write(pairsJsonl, pairs.stream().map(PreferencePair::record).toList());
        Path pairsParquet = tmp.resolve("pairs.parquet");
        SparkSession s = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            s.read().json(pairsJsonl.toString()).write().parquet(pairsParquet.toString());
        } finally {
            s.stop();
        }
        Path pairsOut = tmp.resolve("pairs-out");
        assertThat(SparkMain.execute("score", "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--model", a.toString(),
                "--model", b.toString(), "--data", pairsParquet.toString(), "--output-format", "jsonl", "--out",
                pairsOut.toString())).isZero();
        List<JsonNode> got = readParts(pairsOut);
        assertThat(got).hasSize(pairs.size());
        float[][][] direct = new float[2][][];
        for (int k = 0; k < 2; k++) {
            try (RewardModel m = RewardModels.load(k == 0 ? a : b, Device.cpu())) {
                direct[k] = PairScorer.score(m, pairs, 32);
            }
        }
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode g = got.get(i);
            assertThat(g.path("prompt").asText()).isEqualTo(pairs.get(i).record().path("prompt").asText());
            double c0 = direct[0][0][i], c1 = direct[1][0][i], r0 = direct[0][1][i], r1 = direct[1][1][i];
            assertThat(g.path("chosen_reward").asDouble()).isCloseTo((c0 + c1) / 2, within(1e-5));
            assertThat(g.path("chosen_reward_std").asDouble()).isCloseTo(Math.abs(c0 - c1) / 2, within(1e-5));
            assertThat(g.path("rejected_reward").asDouble()).isCloseTo((r0 + r1) / 2, within(1e-5));
            assertThat(g.path(StrengthEstimator.MEAN).asDouble()).isCloseTo(((c0 - r0) + (c1 - r1)) / 2, within(1e-5));
            assertThat(g.path(StrengthEstimator.STD).asDouble()).isCloseTo(Math.abs((c0 - r0) - (c1 - r1)) / 2, within(1e-5));
            assertThat(g.path(StrengthEstimator.CHOSEN_SCORES)).hasSize(2);
            assertThat(g.path("gold_chosen").asDouble()).isEqualTo(pairs.get(i).record().path("gold_chosen").asDouble());
        }

        // Single responses from JSONL, scored into Parquet.
        List<ObjectNode> responses = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ObjectNode r = Json.MAPPER.createObjectNode();
            r.put("id", i);
            r.put("prompt", "What is " + i + " plus " + (i + 1) + "?");
            r.put("response", i % 3 == 0 ? "I do not know." : "It is " + (2 * i + 1) + ".");
            responses.add(r);
        }
        Path respJsonl = tmp.resolve("responses.jsonl");
        Jsonl.write(respJsonl, responses);
        Path respOut = tmp.resolve("responses-out");
        assertThat(SparkMain.execute("score", "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--model", a.toString(),
                "--model", b.toString(), "--data", respJsonl.toString(), "--output-format", "parquet", "--out",
                respOut.toString())).isZero();
        float[][] rewards = new float[2][];
        for (int k = 0; k < 2; k++) {
            try (RewardModel m = RewardModels.load(k == 0 ? a : b, Device.cpu())) {
                rewards[k] = ScoreCommand.responseRewards(m, responses, 32);
            }
        }
        s = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> df = s.read().parquet(respOut.toString()).orderBy("id");
            List<Row> rows = df.collectAsList();
            assertThat(rows).hasSize(30);
            for (Row row : rows) {
                int i = (int) row.getLong(row.fieldIndex("id"));
                assertThat(row.getString(row.fieldIndex("response"))).isEqualTo(responses.get(i).path("response").asText());
                assertThat(row.getDouble(row.fieldIndex("reward"))).isCloseTo((rewards[0][i] + rewards[1][i]) / 2.0, within(1e-5));
                assertThat(row.getDouble(row.fieldIndex("reward_std"))).isCloseTo(Math.abs(rewards[0][i] - rewards[1][i]) / 2.0, within(1e-5));
                assertThat(row.getList(row.fieldIndex("rewards"))).hasSize(2);
            }
        } finally {
            s.stop();
        }
    }

    @Test
    void aBadRecordIsReportedWithItsLine() throws Exception {
        Path a = save(RewardModels.TINY_RANDOM, 32, 1, "a");
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"prompt\":\"p\",\"chosen\":\"a\",\"rejected\":\"b\"}\n{\"prompt\":\"p\",\"chosen\":\"a\"}\n");
        var err = new java.io.ByteArrayOutputStream();
        var old = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        int code;
        try {
            code = SparkMain.execute("score", "--master", "local[1]", "--conf", "spark.ui.enabled=false", "--model", a.toString(),
                    "--data", data.toString(), "--out", tmp.resolve("o").toString());
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(Main.BAD_INPUT);
        assertThat(err.toString()).contains("bad.jsonl:2").contains("rejected");
    }
}
