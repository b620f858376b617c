package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rlhf4j.model.weights.OnnxGraph.Graph;
import dev.rlhf4j.model.weights.OnnxGraph.Node;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The real bge-small-en-v1.5 ONNX export shipped by langchain4j: 12 layers, same widths as MiniLM. */
class BgeSmallOnnxTest {

    @Test
    void twelveLayerBertWithHuggingFaceNamesAndPyTorchLayout() {
        long t0 = System.nanoTime();
        Graph graph = OnnxGraph.readGraphFromResource("/bge-small-en-v1.5.onnx");
        Map<String, HostTensor> w = OnnxInitializers.bertWeights(graph);
        long t1 = System.nanoTime();
        System.out.printf("bge-small ONNX: %.0f ms (%d initializers -> %d weights)%n", (t1 - t0) / 1e6,
                graph.initializers().size(), w.size());

        Map<String, long[]> expected = WeightCheck.bertShapes(12, 384, 1536, 30522, 512, 2, false);
        WeightCheck.requireExact(expected, w);
        assertThat(w).hasSize(5 + 16 * 12);
        assertThat(w.get("embeddings.word_embeddings.weight").shape()).containsExactly(30522, 384);
        assertThat(w.get("encoder.layer.11.attention.self.query.weight").shape()).containsExactly(384, 384);
        assertThat(w.get("encoder.layer.11.intermediate.dense.weight").shape()).containsExactly(1536, 384);
        assertThat(w.get("encoder.layer.11.output.dense.weight").shape()).containsExactly(384, 1536);

        Node node = graph.node("/encoder/layer.11/output/dense/MatMul").orElseThrow();
        HostTensor raw = graph.initializer(node.inputs().get(1)).orElseThrow().toHostTensor();
        assertThat(raw.shape()).containsExactly(1536, 384); // [in, out] as stored
        HostTensor ours = w.get("encoder.layer.11.output.dense.weight");
        for (int[] oi : new int[][] {{0, 1}, {383, 1535}, {200, 999}}) {
            assertThat(ours.data()[oi[0] * 1536 + oi[1]]).isEqualTo(raw.data()[oi[1] * 384 + oi[0]]);
        }
    }
}
