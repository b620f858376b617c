package dev.rlhf4j.model.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Hyper-parameters of a BERT-family encoder, named as in Hugging Face's {@code config.json}. */
public record BertConfig(
        int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
        int maxPositions, int typeVocabSize, double layerNormEps, double hiddenDropout,
        double attentionDropout) implements dev.rlhf4j.model.FlopCount {

    public BertConfig {
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numHeads);
        }
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /**
     * Model FLOPs of a forward pass over {@code sequences} × {@code seqLen} tokens, counting a multiply-add as 2:
     * the dense layers 2·(4H² + 2HF) per token and layer, attention's QKᵀ and PV 4·T²·H per sequence and layer, and
     * the reward head 2H per sequence. Embedding look-ups, LayerNorm, GELU, softmax and biases are left out (a few
     * percent), as is usual for MFU.
     *
     * @param firstTokenOnly count only what a reward read at [CLS] needs: the last layer's keys and values of every
     *                       token (2·2H² per token) but its query, attention, output and feed-forward at position 0
     *                       only (2·(2H² + 2HF) + 4·T·H per sequence)
     */
    public double forwardFlops(long sequences, long seqLen, boolean firstTokenOnly) {
        double h = hiddenSize, f = intermediateSize, tokens = (double) sequences * seqLen;
        double perTokenLayer = 2 * (4 * h * h + 2 * h * f), attention = 4.0 * seqLen * seqLen * h; // per sequence
        int full = firstTokenOnly ? numLayers - 1 : numLayers;
        double flops = full * (perTokenLayer * tokens + attention * sequences) + 2 * h * sequences;
        if (firstTokenOnly) flops += 2 * 2 * h * h * tokens + sequences * (2 * (2 * h * h + 2 * h * f) + 4.0 * seqLen * h);
        return flops;
    }

    /** Forward and backward (gradients of activations and of weights, each as costly as the forward): 3× forward. */
    @Override
    public double trainingFlops(long sequences, long seqLen, boolean firstTokenOnly) {
        return 3 * forwardFlops(sequences, seqLen, firstTokenOnly);
    }

    /** sentence-transformers/all-MiniLM-L6-v2. */
    public static BertConfig miniLmL6() {
        return new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, 0.1, 0.1);
    }

    /** BAAI/bge-small-en-v1.5. */
    public static BertConfig bgeSmall() {
        return new BertConfig(30522, 384, 12, 12, 1536, 512, 2, 1e-12, 0.1, 0.1);
    }

    public static BertConfig fromJson(JsonNode c) {
        return new BertConfig(
                req(c, "vocab_size"), req(c, "hidden_size"), req(c, "num_hidden_layers"),
                req(c, "num_attention_heads"), req(c, "intermediate_size"),
                c.path("max_position_embeddings").asInt(512), c.path("type_vocab_size").asInt(2),
                c.path("layer_norm_eps").asDouble(1e-12), c.path("hidden_dropout_prob").asDouble(0.1),
                c.path("attention_probs_dropout_prob").asDouble(0.1));
    }

    private static int req(JsonNode c, String field) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException("config.json: field '" + field + "' is missing or not an integer");
        }
        return n.asInt();
    }

    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode o = mapper.createObjectNode();
        o.put("model_type", "bert");
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("intermediate_size", intermediateSize);
        o.put("max_position_embeddings", maxPositions);
        o.put("type_vocab_size", typeVocabSize);
        o.put("layer_norm_eps", layerNormEps);
        o.put("hidden_dropout_prob", hiddenDropout);
        o.put("attention_probs_dropout_prob", attentionDropout);
        o.put("hidden_act", "gelu");
        return o;
    }
}
