package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.rlhf4j.model.weights.OnnxGraph.Graph;
import dev.rlhf4j.model.weights.proto.OnnxWeights.GraphProto;
import dev.rlhf4j.model.weights.proto.OnnxWeights.ModelProto;
import dev.rlhf4j.model.weights.proto.OnnxWeights.NodeProto;
import dev.rlhf4j.model.weights.proto.OnnxWeights.TensorProto;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A small ONNX model built with the generated messages: payload encodings, element types, naming. */
class OnnxGraphTest {

    static ByteString leFloats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return ByteString.copyFrom(b.array());
    }

    static ByteString leShorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) {
            b.putShort((short) s);
        }
        return ByteString.copyFrom(b.array());
    }

    /** Fields ONNX has and our .proto leaves out (an attribute, a doc string): protobuf skips them. */
    static UnknownFieldSet unknown(int field, String value) {
        return UnknownFieldSet.newBuilder().addField(field, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8(value)).build()).build();
    }

    static NodeProto node(String name, String op, String... inputs) {
        return NodeProto.newBuilder().addAllInput(List.of(inputs)).addOutput(name + "_output_0")
                .setName(name).setOpType(op).setUnknownFields(unknown(5, "attribute")).build();
    }

    static TensorProto.Builder tensor(String name, int dataType, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType);
        for (long d : dims) {
            t.addDims(d);
        }
        return t;
    }

    static byte[] model() {
        GraphProto graph = GraphProto.newBuilder()
                .addNode(node("/bert/encoder/layer.0/attention/self/query/MatMul", "MatMul", "x", "onnx::MatMul_5"))
                .addNode(node("/Shape", "Shape", "x"))
                // A Linear weight stored [in=2, out=3] as raw little-endian floats.
                .addInitializer(tensor("onnx::MatMul_5", OnnxGraph.FLOAT, 2, 3).setRawData(leFloats(1, 2, 3, 4, 5, 6))
                        .setUnknownFields(unknown(12, "doc")))
                .addInitializer(tensor("bert.embeddings.LayerNorm.weight", OnnxGraph.FLOAT, 2)
                        .addFloatData(0.5f).addFloatData(1.5f))
                .addInitializer(tensor("word_embeddings.weight", OnnxGraph.FLOAT, 2, 2)
                        .addAllFloatData(List.of(-1f, 2.25f, 0f, 7f)))
                // FLOAT16 raw: 1.0, -2.0, 0.5
                .addInitializer(tensor("bert.encoder.layer.0.attention.self.query.bias", OnnxGraph.FLOAT16, 3)
                        .setRawData(leShorts(0x3C00, 0xC000, 0x3800)))
                // BFLOAT16 bit patterns in int32_data: 1.0, -2.0 (not a BERT weight name)
                .addInitializer(tensor("bf16_const", OnnxGraph.BFLOAT16, 2).addInt32Data(0x3F80).addInt32Data(0xC000))
                .addInitializer(tensor("shape_const", OnnxGraph.INT64, 3).addAllInt64Data(List.of(1L, -2L, 300L)))
                .addInitializer(tensor("strings", OnnxGraph.STRING, 1))
                .setUnknownFields(unknown(11, "graph input"))
                .build();
        return ModelProto.newBuilder().setGraph(graph).setUnknownFields(unknown(2, "pytorch")).build().toByteArray();
    }

    @Test
    void readsInitializersAndNodesSkippingFieldsOutsideTheProto() {
        Graph g = OnnxGraph.readGraph(new ByteArrayInputStream(model()), "synthetic");
        assertThat(g.nodes()).hasSize(2);
        assertThat(g.nodes().get(0).opType()).isEqualTo("MatMul");
        assertThat(g.nodes().get(0).inputs()).containsExactly("x", "onnx::MatMul_5");
        assertThat(g.initializers()).extracting(OnnxGraph.Initializer::name).containsExactly(
                "onnx::MatMul_5", "bert.embeddings.LayerNorm.weight", "word_embeddings.weight",
                "bert.encoder.layer.0.attention.self.query.bias", "bf16_const", "shape_const", "strings");
        assertThat(g.initializer("shape_const").orElseThrow().toHostTensor().data()).containsExactly(1f, -2f, 300f);
        assertThat(g.initializer("bf16_const").orElseThrow().toHostTensor().data()).containsExactly(1f, -2f);
        assertThatThrownBy(() -> g.initializer("strings").orElseThrow().toHostTensor())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("strings").hasMessageContaining("STRING");
    }

    @Test
    void mapsToHuggingFaceNamesAndTransposesMatMulWeights() {
        Map<String, HostTensor> w = OnnxInitializers.loadBertWeights(new ByteArrayInputStream(model()));
        assertThat(w.keySet()).containsExactly(
                "embeddings.LayerNorm.weight",
                "embeddings.word_embeddings.weight",
                "encoder.layer.0.attention.self.query.bias",
                "encoder.layer.0.attention.self.query.weight");
        HostTensor q = w.get("encoder.layer.0.attention.self.query.weight");
        assertThat(q.shape()).containsExactly(3, 2); // [out, in]
        // stored [in, out] = [[1,2,3],[4,5,6]] -> [[1,4],[2,5],[3,6]]
        assertThat(q.data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThat(w.get("embeddings.LayerNorm.weight").data()).containsExactly(0.5f, 1.5f);
        assertThat(w.get("embeddings.word_embeddings.weight").shape()).containsExactly(2, 2);
        assertThat(w.get("embeddings.word_embeddings.weight").data()).containsExactly(-1f, 2.25f, 0f, 7f);
        assertThat(w.get("encoder.layer.0.attention.self.query.bias").data()).containsExactly(1f, -2f, 0.5f);
    }

    @Test
    void namingHelpers() {
        assertThat(OnnxInitializers.linearNameFromMatMulNode("/encoder/layer.0/attention/self/query/MatMul"))
                .contains("encoder.layer.0.attention.self.query.weight");
        assertThat(OnnxInitializers.linearNameFromMatMulNode("/bert/pooler/dense/MatMul"))
                .contains("pooler.dense.weight");
        assertThat(OnnxInitializers.linearNameFromMatMulNode("/encoder/layer.0/attention/self/Softmax")).isEmpty();
        assertThat(OnnxInitializers.normaliseName("bert.embeddings.word_embeddings.weight"))
                .isEqualTo("embeddings.word_embeddings.weight");
        assertThat(OnnxInitializers.normaliseName("position_embeddings.weight"))
                .isEqualTo("embeddings.position_embeddings.weight");
    }

    @Test
    void truncatedOrGraphlessInputFailsClearly() {
        byte[] full = model();
        byte[] cut = Arrays.copyOf(full, full.length - 10);
        assertThatThrownBy(() -> OnnxGraph.readGraph(new ByteArrayInputStream(cut), "cut.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut.onnx").hasMessageContaining("Malformed");
        byte[] noGraph = ModelProto.newBuilder().setUnknownFields(unknown(2, "x")).build().toByteArray();
        assertThatThrownBy(() -> OnnxGraph.readGraph(new ByteArrayInputStream(noGraph), "empty.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No graph");
        assertThatThrownBy(() -> OnnxGraph.readGraphFromResource("/no-such-model.onnx"))
                .hasMessageContaining("not found");
    }

    @Test
    void elementCountMismatchAndExternalDataAreReported() {
        GraphProto graph = GraphProto.newBuilder()
                .addInitializer(tensor("short", OnnxGraph.FLOAT, 4).setRawData(leFloats(1, 2, 3)))
                .addInitializer(tensor("elsewhere", OnnxGraph.FLOAT, 1).setDataLocation(1))
                .build();
        byte[] bytes = ModelProto.newBuilder().setGraph(graph).build().toByteArray();
        Graph g = OnnxGraph.readGraph(new ByteArrayInputStream(bytes), "m");
        assertThatThrownBy(() -> g.initializers().get(0).toHostTensor())
                .hasMessageContaining("short").hasMessageContaining("12 bytes").hasMessageContaining("16");
        assertThatThrownBy(() -> g.initializers().get(1).toHostTensor())
                .hasMessageContaining("elsewhere").hasMessageContaining("external data");
    }
}
