package dev.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code eval-rm --representations} on a saved tiny checkpoint: the text line and the JSON object. */
class EvalRmRepresentationsTest {

    @Test
    void printsTheSeparationLineAndAddsItToTheJson(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("rm");
        try (RewardModel rm = RewardModels.pretrained("tiny-random", Device.cpu(), Pooling.CLS, 32, 1)) {
            RewardModels.save(rm, model, null);
        }
        String[] good = {"great", "helpful", "correct", "kind"}, bad = {"awful", "useless", "wrong", "rude"};
        Random rnd = new Random(4);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("prompt", "question number " + rnd.nextInt(100));
            o.put("chosen", "the answer is " + good[rnd.nextInt(good.length)]);
            o.put("rejected", "the answer is " + bad[rnd.nextInt(bad.length)]);
            sb.append(Json.MAPPER.writeValueAsString(o)).append('\n');
        }
        Path data = dir.resolve("pairs.jsonl");
        Files.writeString(data, sb);

        CliTest.Run plain = CliTest.run("eval-rm", "--model", model.toString(), "--data", data.toString());
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(plain.out()).doesNotContain("representations");

        CliTest.Run t = CliTest.run("eval-rm", "--model", model.toString(), "--data", data.toString(), "--representations");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.out()).startsWith(plain.out());
        assertThat(t.out()).containsPattern("(?m)^representations  n=10  mean cos\\(chosen, rejected\\) -?\\d\\.\\d{3} ±\\d\\.\\d{3}"
                + "  probe ROC AUC \\d\\.\\d{2} \\(accuracy \\d\\.\\d{2}, held-out half\\)$");

        CliTest.Run j = CliTest.run("eval-rm", "--model", model.toString(), "--data", data.toString(), "--representations",
                "--json");
        assertThat(j.code()).as(j.err()).isZero();
        JsonNode rep = Json.MAPPER.readTree(j.out()).path("representations");
        assertThat(rep.isObject()).isTrue();
        assertThat(rep.path("n").asInt()).isEqualTo(10);
        assertThat(rep.path("hidden").asInt()).isPositive();
        assertThat(rep.path("mean_cosine").asDouble()).isBetween(-1.0, 1.0);
        // 10 pairs: 5 train the probe, 5 are held out; the AUC over 5 × 5 (chosen, rejected) orderings, a tie
        // counting half, is k/50, and the text line prints it rounded.
        double auc = rep.path("probe_auc").asDouble();
        assertThat(auc * 50).isCloseTo(Math.rint(auc * 50), within(1e-9));
        assertThat(t.out()).contains(String.format("probe ROC AUC %.2f", auc));
        assertThat(rep.path("probe_train_pairs").asInt() + rep.path("probe_test_pairs").asInt()).isEqualTo(10);
        assertThat(Json.MAPPER.readTree(CliTest.run("eval-rm", "--model", model.toString(), "--data", data.toString(),
                "--json").out()).has("representations")).isFalse();
    }
}
