package dev.rlhf4j.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.cli.Main;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.Jsonl;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SparkStrengthTest {
    @TempDir Path tmp;

    @Test
    void sparkStrengthEqualsTheLocalOneSurvivesAKilledMemberAndSkipsFinishedMembers() throws Exception {
        List<PreferencePair> pairs = SyntheticTask.generate(new SynthConfig(160, 0.2, 0.25, 11, List.of()));
        Path data = tmp.resolve("synth.jsonl");
        Jsonl.write(data, pairs.stream().map(PreferencePair::record).toList());
        // Small and cheap: MiniLM at 32 tokens, members train only the top layer over cached lower ones.
        String[] common = {"--data", data.toString(), "--members", "2", "--max-length", "32", "--train-top-layers", "1",
                "--seed", "7", "--batch-size", "16"};
        Path local = tmp.resolve("local");
        assertThat(Main.execute(concat(new String[] {"strength", "--out", local.toString()}, common))).isZero();

        Path spark = tmp.resolve("spark");
        String[] sparkArgs = concat(new String[] {"strength", "--master", "local[2,2]", "--conf", "spark.ui.enabled=false",
                "--out", spark.toUri().toString(), "--partitions", "3", "--test-fail-first-attempt", "0"}, common);
        assertThat(SparkMain.execute(sparkArgs)).isZero();

        List<JsonNode> want = read(local.resolve("strength.jsonl"));
        List<JsonNode> got = read(spark.resolve("strength.jsonl"));
        assertSameStrength(got, want);
        // Member 0's first attempt was killed after two optimizer steps; its checkpoint is the retry's.
        assertThat(Json.MAPPER.readTree(spark.resolve("members/member-0/provenance.json").toFile()).path("attempt").asInt()).isEqualTo(1);
        assertThat(Json.MAPPER.readTree(spark.resolve("members/member-1/provenance.json").toFile()).path("attempt").asInt()).isZero();
        JsonNode summary = Json.MAPPER.readTree(spark.resolve("strength.json").toFile());
        JsonNode localSummary = Json.MAPPER.readTree(local.resolve("strength.json").toFile());
        assertThat(summary.path("fraction_negative")).isEqualTo(localSummary.path("fraction_negative"));
        assertThat(summary.path("flip_auc").asDouble()).isCloseTo(localSummary.path("flip_auc").asDouble(), within(1e-9));
        assertThat(summary.path("provenance").path("spark").path("members_skipped").asInt()).isZero();

        // Run again: both members carry a marker with these settings and are skipped; the result is the same.
        long stamp = Files.getLastModifiedTime(spark.resolve("members/member-1/model.safetensors")).toMillis();
        assertThat(SparkMain.execute(sparkArgs)).isZero();
        assertThat(Json.MAPPER.readTree(spark.resolve("strength.json").toFile()).path("provenance").path("spark")
                .path("members_skipped").asInt()).isEqualTo(2);
        assertThat(Files.getLastModifiedTime(spark.resolve("members/member-1/model.safetensors")).toMillis()).isEqualTo(stamp);
        assertSameStrength(read(spark.resolve("strength.jsonl")), want);
    }

    private static void assertSameStrength(List<JsonNode> got, List<JsonNode> want) {
        assertThat(got).hasSize(want.size());
        double spread = 0;
        for (int i = 0; i < want.size(); i++) {
            JsonNode g = got.get(i), w = want.get(i);
            assertThat(g.path("prompt")).isEqualTo(w.path("prompt"));
            assertThat(g.path(StrengthEstimator.MEAN).asDouble()).isCloseTo(w.path(StrengthEstimator.MEAN).asDouble(), within(1e-6));
            assertThat(g.path(StrengthEstimator.STD).asDouble()).isCloseTo(w.path(StrengthEstimator.STD).asDouble(), within(1e-6));
            assertThat(g.path(StrengthEstimator.CHOSEN_SCORES)).hasSize(2);
            spread = Math.max(spread, w.path(StrengthEstimator.STD).asDouble());
        }
        assertThat(spread).as("the two members differ, so σ̂ is not trivially 0").isGreaterThan(0);
    }

    static List<JsonNode> read(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<String> lines = Files.lines(file)) {
            for (String l : (Iterable<String>) lines::iterator) if (!l.isBlank()) out.add(Json.MAPPER.readTree(l));
        }
        return out;
    }

    static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
