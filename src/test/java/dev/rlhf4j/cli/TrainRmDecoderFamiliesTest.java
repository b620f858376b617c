package dev.rlhf4j.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import dev.rlhf4j.text.SequenceEncoder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.rlhf4j.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code train-rm --backbone DIR --train-top-layers 1} on the tiny Qwen3 and Gemma-2 language models of hf-tiny:
 * only the top layer, the final norm and the head move, the training pairs' loss falls, and the checkpoint is the
 * family's {@code *ForSequenceClassification} under the tensor names transformers loads.
 */
class TrainRmDecoderFamiliesTest {
    static final String[] GOOD = {"blue", "green", "seven"}, BAD = {"red", "orange", "three"};

    static List<PreferencePair> pairs() {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            String prompt = "question number " + i;
            String c = "the answer is " + GOOD[i % GOOD.length], r = "the answer is " + BAD[(i / 3) % BAD.length];
            ObjectNode rec = Json.MAPPER.createObjectNode();
            rec.put("prompt", prompt);
            rec.put("chosen", c);
            rec.put("rejected", r);
            out.add(new PreferencePair("p" + i, List.of(Turn.user(prompt)), c, r, rec, "mem", i + 1));
        }
        return out;
    }

    /** Mean Bradley–Terry loss −log σ(r_c − r_r) of {@code m} on {@code pairs}. */
    static double loss(RewardModel m, List<PreferencePair> pairs) {
        List<SequenceEncoder.EncodedPair> enc = m.encoder().encodePairs(pairs);
        List<dev.rlhf4j.text.EncodedSequence> chosen = new ArrayList<>(), rejected = new ArrayList<>();
        for (var p : enc) {
            chosen.add(p.chosen());
            rejected.add(p.rejected());
        }
        float[] c = m.score(chosen, 8), r = m.score(rejected, 8);
        double sum = 0;
        for (int i = 0; i < c.length; i++) sum += Math.log1p(Math.exp(-(c[i] - r[i])));
        return sum / c.length;
    }

    @ParameterizedTest
    @CsvSource({"qwen3-bf16, Qwen3ForSequenceClassification", "gemma2-bf16, Gemma2ForSequenceClassification"})
    void trainsTheTopLayerAndSavesThePublishedClass(String name, String architecture, @TempDir Path dir) throws Exception {
        Path backbone = SharedFiles.get("models/hf-tiny/" + name);
        List<PreferencePair> pairs = pairs();
        Path data = dir.resolve("pairs.jsonl");
        StringBuilder sb = new StringBuilder();
        for (PreferencePair p : pairs) sb.append(p.record()).append('\n');
        Files.writeString(data, sb);
        Path out = dir.resolve("rm");
        CliTest.Run t = run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", backbone.toString(),
                "--max-length", "32", "--max-steps", "12", "--batch-size", "8", "--lr", "3e-3", "--warmup-ratio", "0",
                "--valid-fraction", "0", "--train-top-layers", "1", "--seed", "3");
        assertThat(t.code()).as(t.err()).isZero();

        JsonNode cfg = Json.MAPPER.readTree(out.resolve("config.json").toFile());
        assertThat(cfg.path("architectures").get(0).asText()).isEqualTo(architecture);
        assertThat(cfg.path("num_labels").asInt()).isEqualTo(1);
        Map<String, HostTensor> saved = Safetensors.read(out.resolve("model.safetensors")).tensors();
        Map<String, HostTensor> source = Safetensors.read(backbone.resolve("model.safetensors")).tensors();
        Set<String> expected = new TreeSet<>(source.keySet());
        expected.remove("lm_head.weight");
        expected.add("score.weight");
        assertThat(new TreeSet<>(saved.keySet())).as("tensor names transformers loads").isEqualTo(expected);
        for (String n : source.keySet()) {
            boolean trained = n.startsWith("model.layers.1.") || n.equals("model.norm.weight");
            boolean same = Arrays.equals(source.get(n).data(), saved.get(n).data());
            assertThat(same).as("%s %s", n, trained ? "changed" : "unchanged").isEqualTo(!trained);
        }

        try (RewardModel before = RewardModels.pretrained(backbone.toString(), Device.cpu(), Pooling.LAST, 32, 3);
             RewardModel after = RewardModels.load(out, Device.cpu())) {
            double l0 = loss(before, pairs), l1 = loss(after, pairs);
            assertThat(l1).as("training-pair loss before %.4f, after %.4f", l0, l1).isLessThan(l0 - 0.05);
        }
    }
}
