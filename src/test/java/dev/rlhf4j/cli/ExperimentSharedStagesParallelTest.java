package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared stages side by side (--parallel 2: reward models beside SFT, then best-of-n beside each contrastive
 * candidate, each in a process of its own) write the same files as the sequential path (--parallel 1): weights byte for
 * byte, JSON equal once wall and CPU seconds, creation times and provenance (whose arguments name --parallel and the
 * directory) are taken out and the directory is replaced by a placeholder.
 */
@Tag("slow") // two tiny experiments of one seed with two contrastive candidates
class ExperimentSharedStagesParallelTest {
    static List<String> args(Path out, int parallel) {
        List<String> a = new ArrayList<>(List.of("experiment", "--out", out.toString(), "--rounds", "1", "--no-hacking-arm",
                "--contrastive-variants", "simcse-pairs,swav-difference"));
        a.addAll(List.of(ExperimentCommandTest.TINY));
        a.set(a.indexOf("--seeds") + 1, "1");
        a.set(a.indexOf("--parallel") + 1, Integer.toString(parallel));
        return a;
    }

    @Test
    void sideBySideSharedStagesWriteTheSameFilesAsOneAfterTheOther(@TempDir Path tmp) throws Exception {
        Path seq = tmp.resolve("seq"), par = tmp.resolve("par");
        CliTest.Run a = CliTest.run(args(seq, 1).toArray(String[]::new));
        assertThat(a.code()).as(a.err()).isZero();
        CliTest.Run b = CliTest.run(args(par, 2).toArray(String[]::new));
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.err()).contains("shared stages side by side, 2 at a time: [rms, sft]")
                .contains("shared stages side by side, 2 at a time: [bon, contrastive:simcse-pairs, contrastive:swav-difference]");
        JsonNode times = Json.MAPPER.readTree(par.resolve("shared_times.json").toFile());
        assertThat(times.fieldNames()).toIterable().contains("shared_side_by_side", "reward_models", "sft", "bon",
                "contrastive_rm_simcse-pairs", "contrastive_rm_swav-difference");
        // Only the variants the experiment reads were trained.
        JsonNode summary = Json.MAPPER.readTree(seq.resolve("rms").resolve("summary.json").toFile());
        assertThat(summary.path("variants")).extracting(v -> v.path("variant").asText()).containsExactly("baseline", "flip+margin");
        assertThat(summary.path("variants_not_trained")).extracting(JsonNode::asText).containsExactly("flip", "margin", "soft-label+margin");

        List<String> differ = new ArrayList<>();
        int compared = 0;
        for (String d : List.of("rms", "sft", "bon", "task")) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(seq.resolve(d))) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            try (Stream<Path> s = Files.walk(par.resolve(d))) {
                assertThat(s.filter(Files::isRegularFile).map(p -> par.relativize(p).toString()).sorted().toList())
                        .as(d).isEqualTo(files.stream().map(p -> seq.relativize(p).toString()).toList());
            }
            for (Path f : files) {
                Path g = par.resolve(seq.relativize(f));
                compared++;
                if (!same(f, g, seq, par)) differ.add(seq.relativize(f).toString());
            }
        }
        assertThat(compared).isGreaterThan(20);
        assertThat(differ).as("files that differ").isEmpty();
    }

    static boolean same(Path f, Path g, Path seq, Path par) throws Exception {
        String n = f.getFileName().toString();
        if (n.endsWith(".json") || n.endsWith(".jsonl")) {
            String x = Files.readString(f, StandardCharsets.UTF_8).replace(seq.toString(), "OUT");
            String y = Files.readString(g, StandardCharsets.UTF_8).replace(par.toString(), "OUT");
            if (n.endsWith(".json")) return normal(Json.MAPPER.readTree(x)).equals(normal(Json.MAPPER.readTree(y)));
            String[] xs = x.split("\n"), ys = y.split("\n");
            if (xs.length != ys.length) return false;
            for (int i = 0; i < xs.length; i++) {
                if (xs[i].isBlank() != ys[i].isBlank()) return false;
                if (!xs[i].isBlank() && !normal(Json.MAPPER.readTree(xs[i])).equals(normal(Json.MAPPER.readTree(ys[i])))) return false;
            }
            return true;
        }
        if (n.endsWith(".txt")) {
            return withoutWall(Files.readString(f)).equals(withoutWall(Files.readString(g)));
        }
        return Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(g));
    }

    static String withoutWall(String s) {
        return String.join("\n", s.lines().filter(l -> !l.contains("wall time")).toList());
    }

    /** The tree without the fields that record when, how long or with which arguments (provenance). */
    static JsonNode normal(JsonNode n) {
        if (n instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (k.contains("second") || k.equals("created") || k.equals("provenance")) it.remove();
                else normal(o.get(k));
            }
        } else if (n instanceof ArrayNode a) {
            for (JsonNode x : a) normal(x);
        }
        return n;
    }
}
