package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.bert.BertConfig;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code bench} on the tiny model: every figure lands in the JSON file with its provenance. */
@Tag("slow") // slow tier: bench runs training and scoring loops
class BenchCommandTest {
    @Test
    void writesStepGemmMfuScoringAndMemory(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("b.json");
        CliTest.Run r = CliTest.run("bench", "--backbone", "tiny-random", "--batch-size", "2", "--seq-len", "16", "--steps", "2",
                "--gemm-repeats", "1", "--score-lengths", "16,32", "--score-pairs", "3", "--repeats", "1", "--out", out.toString(),
                "--save-model", dir.resolve("model").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("MFU", "pairs/s", "VmHWM");
        JsonNode j = Json.MAPPER.readTree(out.toFile());
        assertThat(j.path("provenance").path("command").asText()).isEqualTo("bench");
        assertThat(j.path("provenance").path("threads").asInt()).isPositive();
        assertThat(j.path("gemm")).hasSize(4);
        assertThat(j.path("gemm_peak_gflops").asDouble()).isPositive();
        JsonNode t = j.path("train");
        assertThat(t.path("step_seconds")).hasSize(2);
        assertThat(t.path("first_loss").asDouble()).isBetween(0.0, 5.0);
        assertThat(t.path("mfu").asDouble()).isPositive()
                .isCloseTo(t.path("achieved_gflops").asDouble() / j.path("gemm_peak_gflops").asDouble(), within(1e-9));
        assertThat(j.path("scoring")).hasSize(2);
        assertThat(j.path("scoring").get(1).path("seq_len").asInt()).isEqualTo(32);
        assertThat(j.path("scoring").get(1).path("pairs_per_s").asDouble()).isPositive();
        assertThat(j.path("peak_rss_mib").asDouble()).isGreaterThan(10);
        // one memory record per phase, in order; each phase's peak within the run's, the heap's share its own ratio
        JsonNode mem = j.path("memory");
        assertThat(mem).hasSize(4);
        String[] names = {"load", "training", "scoring_16", "scoring_32"};
        for (int i = 0; i < names.length; i++) {
            JsonNode p = mem.get(i);
            assertThat(p.path("name").asText()).isEqualTo(names[i]);
            assertThat(p.path("peakRssMib").asDouble()).isGreaterThan(10).isLessThanOrEqualTo(j.path("peak_rss_mib").asDouble());
            assertThat(p.path("rssEndMib").asDouble()).isLessThanOrEqualTo(p.path("peakRssMib").asDouble());
            assertThat(p.path("heapCommittedMib").asDouble()).isPositive();
            assertThat(p.path("heapShareOfPeak").asDouble())
                    .isCloseTo(p.path("heapPeakUsedMib").asDouble() / p.path("peakRssMib").asDouble(), within(1e-9));
        }
        assertThat(r.out()).contains("memory training: peak RSS");
        assertThat(dir.resolve("model/model.safetensors")).exists();
    }

    @Test
    void flopsFollowTheDocumentedFormula() {
        BertConfig c = BertConfig.miniLmL6();
        // 6 layers × 2·(4·384² + 2·384·1536) per token × 2,048 tokens + 6 × 16 × 4·128²·384 + head 2·384·16
        double forward = 6 * 2.0 * (4 * 384 * 384 + 2 * 384 * 1536) * 2048 + 6 * 16 * 4.0 * 128 * 128 * 384 + 2 * 384 * 16;
        assertThat(c.trainingFlops(16, 128, false)).isEqualTo(3 * forward);
        // [CLS] only: the last layer keeps K and V of every token, the rest at one position per sequence
        double last = 2.0 * (4 * 384 * 384 + 2 * 384 * 1536) * 2048 + 16 * 4.0 * 128 * 128 * 384;
        double kept = 2 * 2.0 * 384 * 384 * 2048 + 16 * (2 * (2.0 * 384 * 384 + 2 * 384 * 1536) + 4.0 * 128 * 384);
        assertThat(c.trainingFlops(16, 128, true)).isCloseTo(3 * (forward - last + kept), within(1.0));
    }
}
