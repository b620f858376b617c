package dev.rlhf4j.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.rlhf4j.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnginesTest {
    @Test
    void assignCopiesValuesInPlaceAlsoIntoTrainableArrays() {
        try (NDManager m = Engines.newManager(Engines.device("cpu"))) {
            NDArray a = m.zeros(new Shape(2, 3));
            a.setRequiresGradient(true);
            Engines.assign(a, new float[] {1, 2, 3, 4, 5, 6});
            assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(a.getShape()).isEqualTo(new Shape(2, 3));
            NDArray v = m.zeros(new Shape(4));
            Engines.assign(v, new float[] {-1, 0.5f, 7, 8});
            assertThat(v.toFloatArray()).containsExactly(-1, 0.5f, 7, 8);
            assertThatThrownBy(() -> Engines.assign(v, new float[3])).hasMessageContaining("3 values for an array of shape");
        }
    }

    /**
     * A command that loads and runs a model prints no libtorch deprecation warning: the first
     * {@code NDArray.set(float[])} of a process used to print "AutoNonVariableTypeMode is deprecated"
     * on stderr (native code, so the child JVM's stderr is read).
     */
    @Test
    void runningAModelPrintsNoLibtorchDeprecationWarning() throws Exception {
        Path model = Path.of(System.getProperty("rlhf4j.shared", "../shared"), "models", "stories260K", "stories260K.bin");
        assertThat(model).as("shared model (../shared/models)").exists();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "generate", "--model", model.toString(), "--prompt", "Hi", "--greedy", "--max-new-tokens", "3"))
                .redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(text).isZero();
        assertThat(text).contains("3 new tokens").doesNotContain("AutoNonVariableTypeMode").doesNotContain("[W");
    }
}
