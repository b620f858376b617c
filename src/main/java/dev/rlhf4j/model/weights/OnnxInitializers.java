package dev.rlhf4j.model.weights;

import dev.rlhf4j.model.weights.OnnxGraph.Graph;
import dev.rlhf4j.model.weights.OnnxGraph.Initializer;
import dev.rlhf4j.model.weights.OnnxGraph.Node;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the initializers of a BERT ONNX export (parsed by {@link OnnxGraph}) back to Hugging Face
 * {@code BertModel} names and PyTorch layouts.
 *
 * <p>The quirk of {@code torch.onnx} exports of BERT (e.g. langchain4j's all-MiniLM-L6-v2 and
 * bge-small-en-v1.5): every {@code nn.Linear} weight is stored pre-transposed as {@code [in, out]}
 * under an anonymous name such as {@code onnx::MatMul_787}. {@link #bertWeights(Graph)} finds the
 * {@code MatMul} node that consumes it as its second input, derives the name from the node name
 * ({@code /encoder/layer.0/attention/self/query/MatMul} to
 * {@code encoder.layer.0.attention.self.query.weight}) and transposes to PyTorch's {@code [out, in]}.
 * Biases, LayerNorms and embeddings keep their (normalised) own names. {@code Gemm}-based exports
 * are not rewritten: their weights keep their own name and stored layout.
 */
public final class OnnxInitializers {

    /** Names (after {@link #normaliseName}) of the tensors of a Hugging Face {@code BertModel}. */
    public static final Pattern BERT_WEIGHT_NAME = Pattern.compile(
            "embeddings\\.(?:word_embeddings|position_embeddings|token_type_embeddings)\\.weight"
            + "|embeddings\\.LayerNorm\\.(?:weight|bias)"
            + "|encoder\\.layer\\.\\d+\\.(?:attention\\.self\\.(?:query|key|value)|attention\\.output\\.dense"
            + "|intermediate\\.dense|output\\.dense)\\.(?:weight|bias)"
            + "|encoder\\.layer\\.\\d+\\.(?:attention\\.output|output)\\.LayerNorm\\.(?:weight|bias)"
            + "|pooler\\.dense\\.(?:weight|bias)");

    private static final Pattern MATMUL_NODE = Pattern.compile("^/?(.+)/MatMul$");
    private static final List<String> PREFIXES = List.of("0.auto_model.", "auto_model.", "model.", "bert.");

    private OnnxInitializers() {}

    /** How one ONNX initializer maps to a Hugging Face tensor (for debugging and tests). */
    public record Mapping(String onnxName, String hfName, boolean transposed, String consumerNode) {}

    // ------------------------------------------------------------------------------------------
    // Entry points
    // ------------------------------------------------------------------------------------------

    /** BERT weights (Hugging Face names, sorted) of the ONNX file at {@code path}. */
    public static Map<String, HostTensor> loadBertWeights(Path path) {
        return bertWeights(OnnxGraph.readGraph(path));
    }

    /** BERT weights of the ONNX model in a classpath resource, e.g. {@code /all-minilm-l6-v2.onnx}. */
    public static Map<String, HostTensor> loadBertWeightsFromResource(String resource) {
        return bertWeights(OnnxGraph.readGraphFromResource(resource));
    }

    /** BERT weights of the ONNX model read fully from {@code in} (not closed). */
    public static Map<String, HostTensor> loadBertWeights(InputStream in) {
        return bertWeights(OnnxGraph.readGraph(in, "<stream>"));
    }

    // ------------------------------------------------------------------------------------------
    // BERT naming
    // ------------------------------------------------------------------------------------------

    /** The mapping of each BERT weight in {@code graph}, sorted by Hugging Face name. */
    public static List<Mapping> bertWeightMappings(Graph graph) {
        Map<String, Initializer> byName = new HashMap<>();
        for (Initializer init : graph.initializers()) {
            byName.put(init.name(), init);
        }
        // Initializer name -> first MatMul node consuming it as B.
        Map<String, Node> matmulB = new HashMap<>();
        for (Node node : graph.nodes()) {
            if ("MatMul".equals(node.opType()) && node.inputs().size() >= 2) {
                String b = node.inputs().get(1);
                if (byName.containsKey(b)) {
                    matmulB.putIfAbsent(b, node);
                }
            }
        }
        TreeMap<String, Mapping> out = new TreeMap<>();
        for (Initializer init : graph.initializers()) {
            String own = normaliseName(init.name());
            Node consumer = matmulB.get(init.name());
            Mapping m = null;
            if (consumer != null && init.dims().length == 2) {
                String derived = linearNameFromMatMulNode(consumer.name()).orElse(null);
                String hf = BERT_WEIGHT_NAME.matcher(own).matches() ? own : derived;
                if (hf != null && BERT_WEIGHT_NAME.matcher(hf).matches()) {
                    m = new Mapping(init.name(), hf, true, consumer.name());
                }
            } else if (BERT_WEIGHT_NAME.matcher(own).matches()) {
                m = new Mapping(init.name(), own, false, null);
            }
            if (m == null) {
                continue; // position_ids, shape constants, non-BERT tensors
            }
            Mapping prev = out.put(m.hfName(), m);
            if (prev != null) {
                throw new IllegalStateException("Two ONNX initializers map to '" + m.hfName() + "' in "
                        + graph.source() + ": '" + prev.onnxName() + "' and '" + m.onnxName() + "'");
            }
        }
        return List.copyOf(out.values());
    }

    /**
     * The BERT weights of {@code graph} under Hugging Face {@code BertModel} names (no {@code bert.}
     * prefix), Linear weights as {@code [out, in]}, sorted by name. Other initializers are ignored.
     */
    public static Map<String, HostTensor> bertWeights(Graph graph) {
        Map<String, Initializer> byName = new HashMap<>();
        for (Initializer init : graph.initializers()) {
            byName.put(init.name(), init);
        }
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Mapping m : bertWeightMappings(graph)) {
            Initializer init = byName.get(m.onnxName());
            HostTensor t = init.toHostTensor(m.hfName());
            out.put(m.hfName(), m.transposed() ? t.transpose2d(m.hfName()) : t);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Normalises an initializer name to plain {@code BertModel} naming: strips {@code bert.} (and
     * sentence-transformers' {@code 0.auto_model.}) prefixes and adds a missing {@code embeddings.}.
     */
    public static String normaliseName(String name) {
        String n = name;
        boolean again = true;
        while (again) {
            again = false;
            for (String p : PREFIXES) {
                if (n.startsWith(p)) {
                    n = n.substring(p.length());
                    again = true;
                }
            }
        }
        if (n.startsWith("word_embeddings.") || n.startsWith("position_embeddings.")
                || n.startsWith("token_type_embeddings.") || n.equals("LayerNorm.weight")
                || n.equals("LayerNorm.bias")) {
            n = "embeddings." + n;
        }
        return n;
    }

    /**
     * {@code /encoder/layer.0/attention/self/query/MatMul} to
     * {@code encoder.layer.0.attention.self.query.weight} (normalised), if the node name has that form.
     */
    public static Optional<String> linearNameFromMatMulNode(String nodeName) {
        if (nodeName == null) {
            return Optional.empty();
        }
        Matcher m = MATMUL_NODE.matcher(nodeName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(normaliseName(m.group(1).replace('/', '.') + ".weight"));
    }
}
