package dev.rlhf4j.provenance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProvenanceTest {

    @Test
    void recordsCommitThreadsAndNativeSettings() {
        ObjectNode o = Provenance.of("sft", List.of("--seed", "5"), Map.of(), 5, new EngineInfo("PyTorch x", 1, 2));
        SourceRevision rev = SourceRevision.get();
        assertThat(o.path("commit").asText()).isEqualTo(rev.commit());
        assertThat(o.path("dirty").asText()).isEqualTo(rev.dirty());
        ObjectNode env = (ObjectNode) o.path("environment");
        assertThat(env.path("engine").asText()).isEqualTo("PyTorch x");
        assertThat(env.path("intra_op_threads").asInt()).isEqualTo(1);
        assertThat(env.path("inter_op_threads").asInt()).isEqualTo(2);
        String omp = System.getenv("OMP_NUM_THREADS");
        assertThat(env.path("variables").path("OMP_NUM_THREADS").asText()).isEqualTo(omp == null ? "unset" : omp);
        assertThat(env.path("variables").has("MKL_NUM_THREADS")).isTrue();
        assertThat(env.path("jvm_args").isArray()).isTrue();
        // Without an engine: no engine fields.
        ObjectNode plain = Provenance.of("synth", List.of(), Map.of(), 1, null);
        assertThat(plain.path("environment").has("engine")).isFalse();
        assertThat(plain.path("environment").has("intra_op_threads")).isFalse();
    }

    @Test
    void sourceRevisionReadsTheCloneAboveTheCode(@TempDir Path dir) throws Exception {
        assertThat(SourceRevision.of(dir)).isEqualTo(new SourceRevision("unknown", "unknown"));
        git(dir, "init", "-q");
        Files.writeString(dir.resolve("a.txt"), "one");
        git(dir, "add", "a.txt");
        git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first");
        String head = new String(new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "HEAD").start()
                .getInputStream().readAllBytes()).trim();
        Path lib = Files.createDirectories(dir.resolve("target/lib"));
        assertThat(SourceRevision.of(lib)).isEqualTo(new SourceRevision(head, "false"));
        Files.writeString(dir.resolve("untracked.txt"), "x"); // untracked files do not make the tree dirty
        assertThat(SourceRevision.of(lib).dirty()).isEqualTo("false");
        Files.writeString(dir.resolve("a.txt"), "two");
        assertThat(SourceRevision.of(lib)).isEqualTo(new SourceRevision(head, "true"));
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor()).as(String.join(" ", cmd)).isZero();
    }
}
