package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WeightCheckTest {

    static HostTensor t(String name, long... shape) {
        return new HostTensor(name, shape, new float[(int) HostTensor.numel(shape)]);
    }

    @Test
    void exactMatchPasses() {
        Map<String, HostTensor> loaded = Map.of("a", t("a", 2, 3), "b", t("b", 4));
        WeightCheck.requireExact(Map.of("a", new long[] {2, 3}, "b", new long[] {4}), loaded);
        assertThat(WeightCheck.shapesOf(loaded)).containsOnlyKeys("a", "b");
    }

    @Test
    void everyProblemIsListedInOneError() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("a", new long[] {2, 3});
        expected.put("missing.one", new long[] {1});
        expected.put("missing.two", new long[] {1});
        expected.put("c", new long[] {5});
        Map<String, HostTensor> loaded = Map.of("a", t("a", 3, 2), "c", t("c", 5), "extra", t("extra", 1));
        WeightCheck.MismatchException e = catchThrowableOfType(WeightCheck.MismatchException.class,
                () -> WeightCheck.requireExact(expected, loaded));
        assertThat(e.missing()).containsExactly("missing.one", "missing.two");
        assertThat(e.unexpected()).containsExactly("extra");
        assertThat(e.misShaped()).containsExactly("a: expected [2, 3] got [3, 2]");
        assertThat(e.getMessage()).contains("2 missing, 1 unexpected, 1 mis-shaped")
                .contains("missing.one").contains("missing.two").contains("extra").contains("a: expected");
    }

    @Test
    void bertShapesCount() {
        assertThat(WeightCheck.bertShapes(2, 8, 32, 100, 16, 2, true)).hasSize(5 + 32 + 2)
                .containsKey("pooler.dense.weight");
        assertThat(WeightCheck.bertShapes(2, 8, 32, 100, 16, 2, false).get("encoder.layer.1.output.dense.weight"))
                .containsExactly(8, 32);
    }

    @Test
    void hostTensorValidatesAndTransposes() {
        assertThatThrownBy(() -> new HostTensor("bad", new long[] {2, 3}, new float[5]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad").hasMessageContaining("6");
        HostTensor m = new HostTensor("m", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
        assertThat(m.numel()).isEqualTo(6);
        HostTensor tr = m.transpose2d("mt");
        assertThat(tr.shape()).containsExactly(3, 2);
        assertThat(tr.data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(new HostTensor("s", new long[] {}, new float[] {1}).numel()).isEqualTo(1);
    }
}
