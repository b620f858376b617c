package dev.rlhf4j.cli;

import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.model.weights.HostTensor;
import dev.rlhf4j.model.weights.Safetensors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One optimizer step of {@code train-rm} on the hf-tiny Llama backbone with and without {@code --recompute} gives the
 * same weights within 1e-5. AdamW's ε is set to 1 so that the first step is about lr · g rather than lr · sign(g)
 * (which would turn a rounding difference in a near-zero gradient into a full step), and the learning rate to 0.1 so
 * that the step is large beside the tolerance.
 */
@Tag("slow") // two train-rm runs on a 32,000-token-vocabulary decoder
class RecomputeCliTest {

    static Map<String, HostTensor> trainOneStep(Path tmp, Path data, String name, String... extra) {
        Path out = tmp.resolve(name);
        List<String> args = new java.util.ArrayList<>(List.of("train-rm", "--data", data.toString(), "--out", out.toString(),
                "--backbone", SharedFiles.get("models/hf-tiny/llama").toString(), "--max-length", "48", "--batch-size", "3",
                "--max-steps", "1", "--valid-fraction", "0", "--lr", "0.1", "--adam-eps", "1", "--warmup-ratio", "0"));
        args.addAll(List.of(extra));
        CliTest.Run r = CliTest.run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isEqualTo(Main.OK);
        return Safetensors.read(out.resolve("model.safetensors")).tensors();
    }

    @Test
    void oneTrainRmStepWithRecomputeGivesTheSameWeights(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("pairs.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"id\": \"a\", \"prompt\": \"Name a colour of the sky.\", \"chosen\": \"Blue, on a clear day.\", \"rejected\": \"Seven.\"}",
                "{\"id\": \"b\", \"prompt\": \"What is two plus two?\", \"chosen\": \"Four.\", \"rejected\": \"Two plus two is five, as everyone knows.\"}",
                "{\"id\": \"c\", \"prompt\": \"Say hello politely.\", \"chosen\": \"Hello, nice to meet you.\", \"rejected\": \"Go away.\"}") + "\n");
        Map<String, HostTensor> normal = trainOneStep(tmp, data, "normal");
        Map<String, HostTensor> recomputed = trainOneStep(tmp, data, "recompute", "--recompute");
        Map<String, HostTensor> start = Safetensors.read(SharedFiles.get("models/hf-tiny/llama/model.safetensors")).tensors();
        assertThat(recomputed.keySet()).isEqualTo(normal.keySet());
        double moved = 0;
        for (String name : normal.keySet()) {
            float[] a = normal.get(name).data(), b = recomputed.get(name).data();
            float[] s = start.containsKey(name) ? start.get(name).data() : a;
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
                if (name.contains("layers.0.")) moved = Math.max(moved, Math.abs(a[i] - s[i]));
            }
            assertThat(max).as(name).isLessThanOrEqualTo(1e-5);
        }
        assertThat(moved).as("largest change of a layer-0 weight in the step").isGreaterThan(1e-4);
    }
}
