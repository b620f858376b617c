package dev.rlhf4j.model.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rlhf4j.data.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * Hyper-parameters of a decoder, read from (and written as) a Hugging Face {@code config.json}.
 *
 * <p>Both config generations are read: transformers 4 keeps {@code rope_theta}/{@code rope_scaling} and
 * {@code torch_dtype} at the top level, transformers 5 nests rotary settings under {@code rope_parameters}
 * and names the type {@code dtype}.
 *
 * @param headDim       per-head width; Llama-family configs may set it apart from hidden / heads
 * @param ropeScaling   {@code default}, {@code linear} or {@code llama3}
 * @param slidingWindow Mistral's attention window, or 0 for full attention
 * @param eosIds        every id that ends a sequence (Llama-3 has several); the first is the one appended
 * @param padId         the pad id from the config, or −1 when it has none
 * @param addBos        whether sequences start with BOS (Llama and Mistral do, Qwen2 and GPT-2 do not)
 * @param dropout       attention and residual dropout used when training (0 for Llama-family checkpoints)
 */
public record DecoderConfig(
        DecoderFamily family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
        int headDim, int intermediateSize, int maxPositions, double normEps, double ropeTheta,
        String ropeScaling, double ropeFactor, double ropeLowFreqFactor, double ropeHighFreqFactor,
        int ropeOriginalMax, int slidingWindow, boolean tieEmbeddings, boolean attentionBias,
        int bosId, List<Integer> eosIds, int padId, boolean addBos, double dropout) {

    public DecoderConfig {
        eosIds = List.copyOf(eosIds);
        if (numHeads <= 0 || numKvHeads <= 0 || numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads " + numHeads
                    + " must be a positive multiple of num_key_value_heads " + numKvHeads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim " + headDim + " must be positive and even (rotary pairs)");
        }
        if (family == DecoderFamily.GPT2 && headDim * numHeads != hiddenSize) {
            throw new IllegalArgumentException("n_embd " + hiddenSize + " is not a multiple of n_head " + numHeads);
        }
        for (String f : List.of("vocab_size", "hidden_size", "num_hidden_layers", "intermediate_size", "max_position_embeddings")) {
            int v = switch (f) {
                case "vocab_size" -> vocabSize;
                case "hidden_size" -> hiddenSize;
                case "num_hidden_layers" -> numLayers;
                case "intermediate_size" -> intermediateSize;
                default -> maxPositions;
            };
            if (v <= 0) throw new IllegalArgumentException("config.json: " + f + " must be positive, got " + v);
        }
    }

    public int eosId() {
        return eosIds.isEmpty() ? -1 : eosIds.get(0);
    }

    public int groups() {
        return numHeads / numKvHeads;
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    /** The pad id to use in batches: the config's, else EOS (safe: rewards read the last real token from the mask). */
    public int padOrEos() {
        return padId >= 0 ? padId : Math.max(0, eosId());
    }

    public DecoderConfig withPadId(int pad) {
        return new DecoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, ropeScaling, ropeFactor, ropeLowFreqFactor,
                ropeHighFreqFactor, ropeOriginalMax, slidingWindow, tieEmbeddings, attentionBias, bosId, eosIds, pad,
                addBos, dropout);
    }

    public DecoderConfig withAddBos(boolean add) {
        return new DecoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, ropeScaling, ropeFactor, ropeLowFreqFactor,
                ropeHighFreqFactor, ropeOriginalMax, slidingWindow, tieEmbeddings, attentionBias, bosId, eosIds, padId,
                add, dropout);
    }

    /** Whether a {@code config.json} describes a decoder this package reads. */
    public static boolean isDecoder(JsonNode c) {
        return DecoderFamily.of(c) != null;
    }

    /** A small Llama-shaped decoder for training from scratch ({@code --init scratch}). */
    public static DecoderConfig llama(int vocab, int dim, int layers, int heads, int kvHeads, int ffn, int maxPositions,
                                      int bos, int eos, int pad, boolean addBos) {
        return new DecoderConfig(DecoderFamily.LLAMA, vocab, dim, layers, heads, kvHeads, dim / heads, ffn, maxPositions,
                1e-5, 10000.0, "default", 1, 1, 4, 0, 0, true, false, bos, List.of(eos), pad, addBos, 0.0);
    }

    /** Reads a Hugging Face config.json; {@code where} names the file in error messages. */
    public static DecoderConfig fromJson(JsonNode c, String where) {
        DecoderFamily family = DecoderFamily.of(c);
        if (family == null) {
            throw new IllegalArgumentException(where + ": model_type '" + c.path("model_type").asText()
                    + "' / architectures " + c.path("architectures") + " is not a supported decoder (llama, mistral, qwen2, gpt2)");
        }
        List<Integer> eos = new ArrayList<>();
        JsonNode e = c.path("eos_token_id");
        if (e.isArray()) e.forEach(x -> eos.add(x.asInt()));
        else if (e.canConvertToInt()) eos.add(e.asInt());
        int bos = c.path("bos_token_id").canConvertToInt() ? c.path("bos_token_id").asInt() : -1;
        int pad = c.path("pad_token_id").canConvertToInt() ? c.path("pad_token_id").asInt() : -1;
        if (family == DecoderFamily.GPT2) {
            int h = req(c, "n_embd", where);
            int heads = req(c, "n_head", where);
            int inner = c.path("n_inner").canConvertToInt() ? c.path("n_inner").asInt() : 4 * h;
            String act = c.path("activation_function").asText("gelu_new");
            if (!act.equals("gelu_new") && !act.equals("gelu_pytorch_tanh")) {
                throw new IllegalArgumentException(where + ": activation_function '" + act + "' is not supported (gelu_new)");
            }
            return new DecoderConfig(family, req(c, "vocab_size", where), h, req(c, "n_layer", where), heads, heads,
                    h / heads, inner, req(c, "n_positions", where), c.path("layer_norm_epsilon").asDouble(1e-5), 0,
                    "none", 1, 1, 4, 0, 0, c.path("tie_word_embeddings").asBoolean(true), true, bos, eos, pad, false,
                    c.path("resid_pdrop").asDouble(0.1));
        }
        int h = req(c, "hidden_size", where);
        int heads = req(c, "num_attention_heads", where);
        int kv = c.path("num_key_value_heads").canConvertToInt() ? c.path("num_key_value_heads").asInt() : heads;
        int headDim = c.path("head_dim").canConvertToInt() ? c.path("head_dim").asInt() : h / heads;
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported (silu)");
        }
        if (c.path("mlp_bias").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": mlp_bias true is not supported");
        }
        // transformers 5 nests rotary settings under rope_parameters; transformers 4 keeps them at the top level.
        JsonNode rope = c.path("rope_parameters").isObject() ? c.path("rope_parameters") : c.path("rope_scaling");
        double theta = c.path("rope_parameters").path("rope_theta").asDouble(c.path("rope_theta").asDouble(10000.0));
        String ropeType = rope.isObject() ? rope.path("rope_type").asText(rope.path("type").asText("default")) : "default";
        if (!List.of("default", "linear", "llama3").contains(ropeType)) {
            throw new IllegalArgumentException(where + ": rope scaling '" + ropeType + "' is not supported (default, linear, llama3)");
        }
        boolean bias = c.path("attention_bias").asBoolean(family == DecoderFamily.QWEN2);
        int window = 0;
        if (c.path("sliding_window").canConvertToInt()
                && (family == DecoderFamily.MISTRAL || c.path("use_sliding_window").asBoolean(false))) {
            window = c.path("sliding_window").asInt();
        }
        boolean tie = c.path("tie_word_embeddings").asBoolean(false); // LlamaConfig, MistralConfig, Qwen2Config default
        return new DecoderConfig(family, req(c, "vocab_size", where), h, req(c, "num_hidden_layers", where), heads, kv,
                headDim, req(c, "intermediate_size", where), c.path("max_position_embeddings").asInt(2048),
                c.path("rms_norm_eps").asDouble(1e-6), theta, ropeType, rope.path("factor").asDouble(1.0),
                rope.path("low_freq_factor").asDouble(1.0), rope.path("high_freq_factor").asDouble(4.0),
                rope.path("original_max_position_embeddings").asInt(8192), window, tie, bias, bos, eos, pad,
                family.addsBosByDefault(), c.path("attention_dropout").asDouble(0.0));
    }

    private static int req(JsonNode c, String field, String where) {
        JsonNode n = c.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' is missing or not an integer");
        }
        return n.asInt();
    }

    /**
     * The config.json transformers reads for this decoder, with {@code architectures} set to
     * {@code architecture} (e.g. {@code LlamaForCausalLM} or {@code LlamaForSequenceClassification}).
     */
    public ObjectNode toJson(String architecture) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.putArray("architectures").add(architecture);
        o.put("model_type", family.modelType);
        o.put("vocab_size", vocabSize);
        if (family == DecoderFamily.GPT2) {
            o.put("n_embd", hiddenSize);
            o.put("n_layer", numLayers);
            o.put("n_head", numHeads);
            o.put("n_inner", intermediateSize);
            o.put("n_positions", maxPositions);
            o.put("n_ctx", maxPositions);
            o.put("layer_norm_epsilon", normEps);
            o.put("activation_function", "gelu_new");
            o.put("resid_pdrop", dropout);
            o.put("embd_pdrop", dropout);
            o.put("attn_pdrop", dropout);
        } else {
            o.put("hidden_size", hiddenSize);
            o.put("num_hidden_layers", numLayers);
            o.put("num_attention_heads", numHeads);
            o.put("num_key_value_heads", numKvHeads);
            o.put("head_dim", headDim);
            o.put("intermediate_size", intermediateSize);
            o.put("max_position_embeddings", maxPositions);
            o.put("rms_norm_eps", normEps);
            o.put("hidden_act", "silu");
            o.put("attention_bias", attentionBias);
            o.put("mlp_bias", false);
            o.put("attention_dropout", dropout);
            // Both forms, so transformers 4 and 5 read the rotary settings.
            o.put("rope_theta", ropeTheta);
            ObjectNode rope = o.putObject("rope_parameters");
            rope.put("rope_theta", ropeTheta);
            rope.put("rope_type", ropeScaling);
            if (!ropeScaling.equals("default")) {
                rope.put("factor", ropeFactor);
                if (ropeScaling.equals("llama3")) {
                    rope.put("low_freq_factor", ropeLowFreqFactor);
                    rope.put("high_freq_factor", ropeHighFreqFactor);
                    rope.put("original_max_position_embeddings", ropeOriginalMax);
                }
                o.set("rope_scaling", rope.deepCopy());
            }
            if (slidingWindow > 0) o.put("sliding_window", slidingWindow);
            else o.putNull("sliding_window");
            if (family == DecoderFamily.QWEN2) o.put("use_sliding_window", slidingWindow > 0);
        }
        o.put("tie_word_embeddings", tieEmbeddings);
        if (bosId >= 0) o.put("bos_token_id", bosId);
        else o.putNull("bos_token_id");
        if (eosIds.size() == 1) o.put("eos_token_id", eosIds.get(0));
        else {
            ArrayNode a = o.putArray("eos_token_id");
            eosIds.forEach(a::add);
        }
        if (padId >= 0) o.put("pad_token_id", padId);
        else o.putNull("pad_token_id");
        o.put("torch_dtype", "float32");
        o.put("dtype", "float32");
        return o;
    }
}
