package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rlhf4j.model.weights.OnnxGraph.Graph;
import dev.rlhf4j.model.weights.OnnxGraph.Initializer;
import dev.rlhf4j.model.weights.OnnxGraph.Node;
import dev.rlhf4j.model.weights.OnnxInitializers.Mapping;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real all-MiniLM-L6-v2 ONNX export shipped by langchain4j (on the test classpath). */
class MiniLmOnnxTest {
    static final String RESOURCE = "/all-minilm-l6-v2.onnx";
    static Graph graph;
    static Map<String, HostTensor> weights;

    @BeforeAll
    static void load() {
        long t0 = System.nanoTime();
        graph = OnnxGraph.readGraphFromResource(RESOURCE);
        long t1 = System.nanoTime();
        weights = OnnxInitializers.bertWeights(graph);
        long t2 = System.nanoTime();
        System.out.printf("MiniLM ONNX: read+parse %.0f ms, decode+rename+transpose %.0f ms, total %.0f ms "
                + "(%d initializers -> %d weights)%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t2 - t0) / 1e6,
                graph.initializers().size(), weights.size());
    }

    @Test
    void exactlyTheBertModelTensorsOfSixLayers() {
        Map<String, long[]> expected = WeightCheck.bertShapes(6, 384, 1536, 30522, 512, 2, false);
        assertThat(expected).hasSize(5 + 16 * 6);
        WeightCheck.requireExact(expected, weights); // throws with every difference listed
        assertThat(weights).hasSize(101);
        assertThat(weights.keySet()).containsExactlyElementsOf(expected.keySet()); // sorted by name
        assertThat(weights.keySet()).noneMatch(n -> n.startsWith("bert.") || n.startsWith("onnx::"));
    }

    @Test
    void shapes() {
        assertThat(weights.get("embeddings.word_embeddings.weight").shape()).containsExactly(30522, 384);
        assertThat(weights.get("encoder.layer.0.attention.self.query.weight").shape()).containsExactly(384, 384);
        assertThat(weights.get("encoder.layer.5.intermediate.dense.weight").shape()).containsExactly(1536, 384);
        assertThat(weights.get("encoder.layer.3.output.dense.weight").shape()).containsExactly(384, 1536);
        assertThat(weights.get("encoder.layer.2.intermediate.dense.bias").shape()).containsExactly(1536);
    }

    @Test
    void rawGraphHas102InitializersIncludingInt64PositionIds() {
        assertThat(graph.initializers()).hasSize(102);
        Initializer pos = graph.initializer("embeddings.position_ids").orElseThrow();
        assertThat(pos.dataType()).isEqualTo(OnnxGraph.INT64);
        assertThat(pos.dims()).containsExactly(1, 512);
        float[] ids = pos.toHostTensor().data();
        for (int i = 0; i < 512; i++) {
            assertThat(ids[i]).isEqualTo((float) i);
        }
        long anonymous = graph.initializers().stream().filter(i -> i.name().startsWith("onnx::MatMul_")).count();
        assertThat(anonymous).isEqualTo(36); // 6 per layer
        assertThat(weights).doesNotContainKey("embeddings.position_ids");
    }

    @Test
    void queryWeightIsTheTransposeOfTheTensorTheQueryMatMulConsumes() {
        Node node = graph.node("/encoder/layer.0/attention/self/query/MatMul").orElseThrow();
        assertThat(node.opType()).isEqualTo("MatMul");
        String initName = node.inputs().get(1);
        assertThat(initName).startsWith("onnx::MatMul_");
        HostTensor raw = graph.initializer(initName).orElseThrow().toHostTensor(); // [in, out]
        HostTensor ours = weights.get("encoder.layer.0.attention.self.query.weight"); // [out, in]
        assertThat(raw.shape()).containsExactly(384, 384);
        int n = 384;
        assertThat(ours.data()[0 * n + 1]).isEqualTo(raw.data()[1 * n + 0]);
        assertThat(ours.data()[5 * n + 300]).isEqualTo(raw.data()[300 * n + 5]);
        assertThat(ours.data()[383 * n + 17]).isEqualTo(raw.data()[17 * n + 383]);
        for (int o = 0; o < n; o++) {
            for (int i = 0; i < n; i++) {
                if (ours.data()[o * n + i] != raw.data()[i * n + o]) {
                    throw new AssertionError("mismatch at out=" + o + " in=" + i);
                }
            }
        }
        // and it really is a transpose, not a copy (the matrix is not symmetric)
        assertThat(ours.data()[0 * n + 1]).isNotEqualTo(ours.data()[1 * n + 0]);

        Mapping m = OnnxInitializers.bertWeightMappings(graph).stream()
                .filter(x -> x.hfName().equals("encoder.layer.0.attention.self.query.weight"))
                .findFirst().orElseThrow();
        assertThat(m.onnxName()).isEqualTo(initName);
        assertThat(m.transposed()).isTrue();
        assertThat(m.consumerNode()).isEqualTo(node.name());
    }

    @Test
    void nonSquareIntermediateWeightIsTransposed() {
        Node node = graph.node("/encoder/layer.4/intermediate/dense/MatMul").orElseThrow();
        HostTensor raw = graph.initializer(node.inputs().get(1)).orElseThrow().toHostTensor();
        assertThat(raw.shape()).containsExactly(384, 1536);
        HostTensor ours = weights.get("encoder.layer.4.intermediate.dense.weight");
        for (int[] oi : new int[][] {{0, 0}, {1535, 383}, {1000, 7}, {3, 200}}) {
            int o = oi[0];
            int i = oi[1];
            assertThat(ours.data()[o * 384 + i]).isEqualTo(raw.data()[i * 1536 + o]);
        }
    }

    @Test
    void namedTensorsAreUnchangedAndSane() {
        HostTensor bias = weights.get("encoder.layer.1.attention.self.key.bias");
        HostTensor raw = graph.initializer("encoder.layer.1.attention.self.key.bias").orElseThrow().toHostTensor();
        assertSameData(bias, raw);
        List<Mapping> maps = OnnxInitializers.bertWeightMappings(graph);
        assertThat(maps.stream().filter(Mapping::transposed).count()).isEqualTo(36);
        for (HostTensor t : weights.values()) {
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new AssertionError("non-finite value in " + t.name());
                }
            }
        }
        // A trained LayerNorm gain is not all ones.
        float[] ln = weights.get("embeddings.LayerNorm.weight").data();
        double maxDev = 0;
        for (float v : ln) {
            maxDev = Math.max(maxDev, Math.abs(v - 1f));
        }
        assertThat(maxDev).isGreaterThan(1e-3);
    }

    @Test
    void fileAndStreamReadersAgreeWithTheResourceReader(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.onnx");
        try (InputStream in = MiniLmOnnxTest.class.getResourceAsStream(RESOURCE)) {
            Files.copy(in, file);
        }
        long t0 = System.nanoTime();
        Map<String, HostTensor> fromFile = OnnxInitializers.loadBertWeights(file);
        long t1 = System.nanoTime();
        System.out.printf("MiniLM ONNX from a file (mmap): %.0f ms%n", (t1 - t0) / 1e6);
        Map<String, HostTensor> fromStream;
        try (InputStream in = Files.newInputStream(file)) {
            fromStream = OnnxInitializers.loadBertWeights(in);
        }
        for (Map<String, HostTensor> other : List.of(fromFile, fromStream)) {
            assertThat(other.keySet()).containsExactlyElementsOf(weights.keySet());
            for (String name : List.of("embeddings.word_embeddings.weight",
                    "encoder.layer.5.output.dense.weight", "encoder.layer.0.attention.self.value.weight")) {
                assertThat(other.get(name).shape()).containsExactly(weights.get(name).shape());
                assertSameData(other.get(name), weights.get(name));
            }
        }
    }

    @Test
    void everyAnonymousMatMulWeightGotANameFromItsNode() {
        Map<String, String> byOnnx = OnnxInitializers.bertWeightMappings(graph).stream()
                .collect(Collectors.toMap(Mapping::onnxName, Mapping::hfName));
        for (Node n : graph.nodes()) {
            if (n.opType().equals("MatMul") && n.inputs().get(1).startsWith("onnx::")) {
                String expected = n.name().substring(1, n.name().length() - "/MatMul".length())
                        .replace('/', '.') + ".weight";
                assertThat(byOnnx.get(n.inputs().get(1))).isEqualTo(expected);
            }
        }
    }

    /** Bitwise equality; AssertJ's containsExactly is quadratic on large failing arrays. */
    static void assertSameData(HostTensor actual, HostTensor expected) {
        float[] a = actual.data();
        float[] e = expected.data();
        assertThat(a.length).as(actual.name()).isEqualTo(e.length);
        int mismatch = java.util.Arrays.mismatch(a, e);
        assertThat(mismatch).as("first differing index of " + actual.name()
                + (mismatch >= 0 ? " (" + a[mismatch] + " vs " + e[mismatch] + ")" : "")).isEqualTo(-1);
    }
}
