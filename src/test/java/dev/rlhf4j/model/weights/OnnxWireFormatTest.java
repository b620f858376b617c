package dev.rlhf4j.model.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rlhf4j.model.weights.OnnxGraph.Graph;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A hand-encoded ONNX model exercising the protobuf reader: unknown fields, packed/unpacked data, types. */
class OnnxWireFormatTest {

    /** Minimal protobuf encoder for the test. */
    static final class Pb {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pb varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Pb tag(int field, int wt) {
            return varint(((long) field << 3) | wt);
        }

        Pb int64(int field, long v) {
            return tag(field, 0).varint(v);
        }

        Pb bytes(int field, byte[] b) {
            tag(field, 2).varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Pb str(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Pb msg(int field, Pb m) {
            return bytes(field, m.out.toByteArray());
        }

        Pb fixed32(int field, int bits) {
            tag(field, 5);
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bits);
            out.writeBytes(b.array());
            return this;
        }

        Pb fixed64(int field, long bits) {
            tag(field, 1);
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(bits);
            out.writeBytes(b.array());
            return this;
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static byte[] leFloats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    static byte[] leShorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) {
            b.putShort((short) s);
        }
        return b.array();
    }

    static Pb node(String name, String op, String... inputs) {
        Pb n = new Pb();
        for (String in : inputs) {
            n.str(1, in);
        }
        n.str(2, name + "_output_0").str(3, name).str(4, op);
        n.msg(5, new Pb().str(1, "alpha").fixed32(2, Float.floatToIntBits(1f)).int64(20, 1)); // attribute: skipped
        return n;
    }

    static byte[] model() {
        Pb graph = new Pb();
        graph.msg(1, node("/bert/encoder/layer.0/attention/self/query/MatMul", "MatMul", "x", "onnx::MatMul_5"));
        graph.str(2, "torch_jit");                                      // graph name: skipped
        graph.msg(1, node("/Shape", "Shape", "x"));
        // Linear weight stored [in=2, out=3], raw little-endian, plus unknown fields inside the tensor.
        graph.msg(5, new Pb().int64(1, 2).int64(1, 3).int64(2, 1).str(12, "doc")
                .fixed64(99, 42L).str(8, "onnx::MatMul_5").bytes(9, leFloats(1, 2, 3, 4, 5, 6)));
        // float_data packed, with a bert. prefix
        Pb packed = new Pb();
        packed.out.writeBytes(leFloats(0.5f, 1.5f));
        graph.msg(5, new Pb().bytes(1, new Pb().varint(2).toBytes()).int64(2, 1)
                .msg(4, packed).str(8, "bert.embeddings.LayerNorm.weight"));
        // float_data not packed, name without embeddings. prefix
        graph.msg(5, new Pb().int64(1, 2).int64(1, 2).int64(2, 1)
                .fixed32(4, Float.floatToIntBits(-1f)).fixed32(4, Float.floatToIntBits(2.25f))
                .fixed32(4, Float.floatToIntBits(0f)).fixed32(4, Float.floatToIntBits(7f))
                .str(8, "word_embeddings.weight"));
        // FLOAT16 raw: 1.0, -2.0, 0.5
        graph.msg(5, new Pb().int64(1, 3).int64(2, 10)
                .str(8, "bert.encoder.layer.0.attention.self.query.bias").bytes(9, leShorts(0x3C00, 0xC000, 0x3800)));
        // INT64 constant via packed int64_data (not a weight)
        graph.msg(5, new Pb().int64(1, 3).int64(2, 7).msg(7, new Pb().varint(1).varint(-2L).varint(300))
                .str(8, "shape_const"));
        // STRING tensor: not convertible
        graph.msg(5, new Pb().int64(1, 1).int64(2, 8).str(6, "hello").str(8, "strings"));
        graph.msg(11, new Pb().str(1, "x"));                            // graph input: skipped

        Pb model = new Pb();
        model.int64(1, 8).str(2, "pytorch").fixed64(77, 123456789L).fixed32(78, 5)
                .msg(8, new Pb().str(1, "").int64(2, 17))
                .msg(7, graph)
                .int64(5, 0);
        return model.toBytes();
    }

    @Test
    void readsInitializersAndNodesSkippingUnknownFields() {
        Graph g = OnnxGraph.readGraph(new ByteArrayInputStream(model()), "synthetic");
        assertThat(g.nodes()).hasSize(2);
        assertThat(g.nodes().get(0).opType()).isEqualTo("MatMul");
        assertThat(g.nodes().get(0).inputs()).containsExactly("x", "onnx::MatMul_5");
        assertThat(g.initializers()).extracting(OnnxGraph.Initializer::name).containsExactly(
                "onnx::MatMul_5", "bert.embeddings.LayerNorm.weight", "word_embeddings.weight",
                "bert.encoder.layer.0.attention.self.query.bias", "shape_const", "strings");
        assertThat(g.initializer("shape_const").orElseThrow().toHostTensor().data())
                .containsExactly(1f, -2f, 300f);
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
        byte[] noGraph = new Pb().int64(1, 8).str(2, "x").toBytes();
        assertThatThrownBy(() -> OnnxGraph.readGraph(new ByteArrayInputStream(noGraph), "empty.onnx"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No graph");
        assertThatThrownBy(() -> OnnxGraph.readGraphFromResource("/no-such-model.onnx"))
                .hasMessageContaining("not found");
    }

    @Test
    void elementCountMismatchIsReported() {
        Pb graph = new Pb().msg(5, new Pb().int64(1, 4).int64(2, 1).str(8, "short")
                .bytes(9, leFloats(1, 2, 3)));
        byte[] bytes = new Pb().msg(7, graph).toBytes();
        Graph g = OnnxGraph.readGraph(new ByteArrayInputStream(bytes), "m");
        assertThatThrownBy(() -> g.initializers().get(0).toHostTensor())
                .hasMessageContaining("short").hasMessageContaining("12 bytes").hasMessageContaining("16");
    }
}
