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
 * @param slidingWindow the attention window of sliding layers (Mistral, Gemma-2, Qwen with
 *                      {@code use_sliding_window}), or 0 for full attention everywhere
 * @param slidingLayers per layer, whether it attends within {@code slidingWindow} ({@code layer_types})
 * @param queryPreAttnScalar attention scores are q·k / √this: head_dim, except Gemma-2's {@code query_pre_attn_scalar}
 * @param attnSoftcap   Gemma-2's attention-logit soft cap (scores → cap · tanh(scores / cap)), or 0 for none
 * @param finalSoftcap  Gemma-2's final-logit soft cap of the LM head, or 0 for none
 * @param eosIds        every id that ends a sequence (Llama-3 has several); the first is the one appended
 * @param padId         the pad id from the config, or −1 when it has none
 * @param addBos        whether sequences start with BOS (Llama, Mistral and Gemma do; Qwen and GPT-2 do not)
 * @param dropout       attention and residual dropout used when training (0 for Llama-family checkpoints)
 * @param dtype         the checkpoint's weight type ({@code dtype} or {@code torch_dtype}: float32, bfloat16, float16).
 *                      Weights are computed on in float32 whatever it is; transformers, loading the checkpoint in its
 *                      own type, also holds its computed constants (rotary frequencies, Gemma's embedding scale) in
 *                      that type, and {@link #roundToDtype} does the same so that the outputs match
 */
public record DecoderConfig(
        DecoderFamily family, int vocabSize, int hiddenSize, int numLayers, int numHeads, int numKvHeads,
        int headDim, int intermediateSize, int maxPositions, double normEps, double ropeTheta,
        String ropeScaling, double ropeFactor, double ropeLowFreqFactor, double ropeHighFreqFactor,
        int ropeOriginalMax, int slidingWindow, List<Boolean> slidingLayers, boolean tieEmbeddings,
        boolean attentionBias, double queryPreAttnScalar, double attnSoftcap, double finalSoftcap,
        int bosId, List<Integer> eosIds, int padId, boolean addBos, double dropout, String dtype) {

    public DecoderConfig {
        eosIds = List.copyOf(eosIds);
        if (dtype == null) dtype = "float32";
        slidingLayers = List.copyOf(slidingLayers);
        if (slidingLayers.size() != numLayers) {
            throw new IllegalArgumentException("layer_types has " + slidingLayers.size() + " entries for " + numLayers + " layers");
        }
        if (!(queryPreAttnScalar > 0) || attnSoftcap < 0 || finalSoftcap < 0) {
            throw new IllegalArgumentException("query_pre_attn_scalar " + queryPreAttnScalar + " must be positive and the soft caps "
                    + attnSoftcap + ", " + finalSoftcap + " non-negative");
        }
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

    /**
     * Whether the attention output projection has a bias: with {@code attention_bias} in Llama, Qwen3 and Gemma-2
     * (Qwen2's q/k/v biases come without one).
     */
    public boolean outputBias() {
        return attentionBias && family != DecoderFamily.QWEN2 && family != DecoderFamily.MISTRAL;
    }

    /** Whether layer {@code i} attends only to the last {@link #slidingWindow} keys. */
    public boolean slidingLayer(int i) {
        return slidingWindow > 0 && slidingLayers.get(i);
    }

    /** Whether any layer uses the sliding window. */
    public boolean anySliding() {
        return slidingWindow > 0 && slidingLayers.contains(true);
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
                ropeHighFreqFactor, ropeOriginalMax, slidingWindow, slidingLayers, tieEmbeddings, attentionBias,
                queryPreAttnScalar, attnSoftcap, finalSoftcap, bosId, eosIds, pad, addBos, dropout, dtype);
    }

    /**
     * This config computing its constants in float32: the model that training makes, whose checkpoint holds float32
     * weights and says so, so that it reloads (and resumes) as the same function and transformers reads it the same.
     */
    public DecoderConfig asFloat32() {
        return new DecoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, ropeScaling, ropeFactor, ropeLowFreqFactor,
                ropeHighFreqFactor, ropeOriginalMax, slidingWindow, slidingLayers, tieEmbeddings, attentionBias,
                queryPreAttnScalar, attnSoftcap, finalSoftcap, bosId, eosIds, padId, addBos, dropout, "float32");
    }

    /**
     * {@code x} rounded (to nearest, ties to even) to the checkpoint's weight type: what a float32 constant becomes in
     * a model that transformers holds in bfloat16 or float16.
     */
    public float roundToDtype(float x) {
        int mantissaBits = switch (dtype) {
            case "bfloat16" -> 7;
            case "float16" -> 10;
            default -> 23;
        };
        if (mantissaBits == 23 || x == 0f || !Float.isFinite(x)) return x;
        int exponent = Math.max(Math.getExponent(x), mantissaBits == 10 ? -14 : Float.MIN_EXPONENT); // float16 subnormals
        float quantum = Math.scalb(1f, exponent - mantissaBits);
        return (float) (Math.rint(x / quantum) * quantum);
    }

    /** The weight type a config.json names ({@code dtype}, transformers 5, or {@code torch_dtype}); float32 when it names none. */
    private static String dtype(JsonNode c, String where) {
        String t = c.path("dtype").asText(c.path("torch_dtype").asText("float32"));
        if (t.equals("null") || t.isEmpty() || t.equals("auto")) t = "float32";
        if (!List.of("float32", "bfloat16", "float16").contains(t)) {
            throw new IllegalArgumentException(where + ": dtype '" + t + "' is not supported (float32, bfloat16, float16)");
        }
        return t;
    }

    public DecoderConfig withAddBos(boolean add) {
        return new DecoderConfig(family, vocabSize, hiddenSize, numLayers, numHeads, numKvHeads, headDim,
                intermediateSize, maxPositions, normEps, ropeTheta, ropeScaling, ropeFactor, ropeLowFreqFactor,
                ropeHighFreqFactor, ropeOriginalMax, slidingWindow, slidingLayers, tieEmbeddings, attentionBias,
                queryPreAttnScalar, attnSoftcap, finalSoftcap, bosId, eosIds, padId, add, dropout, dtype);
    }

    /** Whether a {@code config.json} describes a decoder this package reads. */
    public static boolean isDecoder(JsonNode c) {
        return DecoderFamily.of(c) != null;
    }

    /** A small Llama-shaped decoder for training from scratch ({@code --init scratch}). */
    public static DecoderConfig llama(int vocab, int dim, int layers, int heads, int kvHeads, int ffn, int maxPositions,
                                      int bos, int eos, int pad, boolean addBos) {
        return new DecoderConfig(DecoderFamily.LLAMA, vocab, dim, layers, heads, kvHeads, dim / heads, ffn, maxPositions,
                1e-5, 10000.0, "default", 1, 1, 4, 0, 0, noSliding(layers), true, false, dim / heads, 0, 0, bos,
                List.of(eos), pad, addBos, 0.0, "float32");
    }

    static List<Boolean> noSliding(int layers) {
        return java.util.Collections.nCopies(Math.max(0, layers), false);
    }

    /** Reads a Hugging Face config.json; {@code where} names the file in error messages. */
    public static DecoderConfig fromJson(JsonNode c, String where) {
        DecoderFamily family = DecoderFamily.of(c);
        if (family == null) {
            throw new IllegalArgumentException(where + ": model_type '" + c.path("model_type").asText()
                    + "' / architectures " + c.path("architectures") + " is not a supported decoder (llama, mistral, qwen2, qwen3, gemma2, gpt2)");
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
            int layers = req(c, "n_layer", where);
            return new DecoderConfig(family, req(c, "vocab_size", where), h, layers, heads, heads,
                    h / heads, inner, req(c, "n_positions", where), c.path("layer_norm_epsilon").asDouble(1e-5), 0,
                    "none", 1, 1, 4, 0, 0, noSliding(layers), c.path("tie_word_embeddings").asBoolean(true), true,
                    h / heads, 0, 0, bos, eos, pad, false, c.path("resid_pdrop").asDouble(0.1), dtype(c, where));
        }
        boolean gemma = family == DecoderFamily.GEMMA2;
        int h = req(c, "hidden_size", where);
        int layers = req(c, "num_hidden_layers", where);
        int heads = req(c, "num_attention_heads", where);
        int kv = c.path("num_key_value_heads").canConvertToInt() ? c.path("num_key_value_heads").asInt() : heads;
        int headDim = c.path("head_dim").canConvertToInt() ? c.path("head_dim").asInt() : gemma ? 256 : h / heads;
        // Gemma-2 names its activation hidden_activation (GeGLU with the tanh GELU); the others hidden_act (SwiGLU).
        String actField = gemma && c.has("hidden_activation") ? "hidden_activation" : "hidden_act";
        String act = c.path(actField).asText(gemma ? "gelu_pytorch_tanh" : "silu");
        String wantAct = gemma ? "gelu_pytorch_tanh" : "silu";
        if (!act.equals(wantAct)) {
            throw new IllegalArgumentException(where + ": " + actField + " '" + act + "' is not supported (" + wantAct + ")");
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
        int window = slidingWindow(c, family);
        List<Boolean> sliding = window > 0 ? slidingLayers(c, family, layers, where) : noSliding(layers);
        // LlamaConfig, MistralConfig, Qwen2Config and Qwen3Config default to untied embeddings; Gemma2Config to tied.
        boolean tie = c.path("tie_word_embeddings").asBoolean(gemma);
        double queryScalar = gemma ? c.path("query_pre_attn_scalar").asDouble(256) : headDim;
        double attnCap = gemma ? softcap(c, "attn_logit_softcapping", 50.0, where) : 0;
        double finalCap = gemma ? softcap(c, "final_logit_softcapping", 30.0, where) : 0;
        return new DecoderConfig(family, req(c, "vocab_size", where), h, layers, heads, kv,
                headDim, req(c, "intermediate_size", where), c.path("max_position_embeddings").asInt(gemma ? 8192 : 2048),
                c.path("rms_norm_eps").asDouble(1e-6), theta, ropeType, rope.path("factor").asDouble(1.0),
                rope.path("low_freq_factor").asDouble(1.0), rope.path("high_freq_factor").asDouble(4.0),
                rope.path("original_max_position_embeddings").asInt(8192), window, sliding, tie, bias, queryScalar,
                attnCap, finalCap, bos, eos, pad, family.addsBosByDefault(), c.path("attention_dropout").asDouble(0.0),
                dtype(c, where));
    }

    /**
     * The window of sliding layers, or 0: Mistral's and Gemma-2's {@code sliding_window} (Gemma2Config's default 4096
     * when absent), Qwen's only with {@code use_sliding_window}; Llama has none.
     */
    private static int slidingWindow(JsonNode c, DecoderFamily family) {
        JsonNode w = c.path("sliding_window");
        return switch (family) {
            case MISTRAL -> w.canConvertToInt() ? w.asInt() : 0;
            case GEMMA2 -> w.isMissingNode() ? 4096 : w.canConvertToInt() ? w.asInt() : 0;
            case QWEN2, QWEN3 -> w.canConvertToInt() && c.path("use_sliding_window").asBoolean(false) ? w.asInt() : 0;
            default -> 0;
        };
    }

    /**
     * Which layers slide: {@code layer_types} when the config lists them (transformers ≥ 4.53), else the rule of
     * the family's older configs: every layer for Mistral, even layers for Gemma-2, layers from
     * {@code max_window_layers} on for Qwen.
     */
    private static List<Boolean> slidingLayers(JsonNode c, DecoderFamily family, int layers, String where) {
        List<Boolean> out = new ArrayList<>();
        JsonNode types = c.path("layer_types");
        if (types.isArray()) {
            if (types.size() != layers) {
                throw new IllegalArgumentException(where + ": layer_types has " + types.size() + " entries, num_hidden_layers is " + layers);
            }
            for (JsonNode t : types) {
                String type = t.asText();
                if (!type.equals("sliding_attention") && !type.equals("full_attention")) {
                    throw new IllegalArgumentException(where + ": layer_types entry '" + type
                            + "' is not supported (full_attention, sliding_attention)");
                }
                out.add(type.equals("sliding_attention"));
            }
            return out;
        }
        int from = c.path("max_window_layers").asInt(28);
        for (int i = 0; i < layers; i++) {
            out.add(switch (family) {
                case GEMMA2 -> i % 2 == 0;
                case QWEN2, QWEN3 -> i >= from;
                default -> true;
            });
        }
        return out;
    }

    /** A soft cap: the config's value, {@code dflt} when the field is absent, 0 (none) when it is null. */
    private static double softcap(JsonNode c, String field, double dflt, String where) {
        JsonNode n = c.path(field);
        if (n.isMissingNode()) return dflt;
        if (n.isNull()) return 0;
        if (!n.isNumber() || n.asDouble() <= 0) {
            throw new IllegalArgumentException(where + ": field '" + field + "' must be a positive number or null, got " + n);
        }
        return n.asDouble();
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
            if (family == DecoderFamily.GEMMA2) {
                o.put("hidden_activation", "gelu_pytorch_tanh");
                o.put("query_pre_attn_scalar", queryPreAttnScalar);
                putCap(o, "attn_logit_softcapping", attnSoftcap);
                putCap(o, "final_logit_softcapping", finalSoftcap);
            } else {
                o.put("hidden_act", "silu");
            }
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
            boolean qwen = family == DecoderFamily.QWEN2 || family == DecoderFamily.QWEN3;
            if (qwen) {
                o.put("use_sliding_window", anySliding());
                o.put("max_window_layers", anySliding() ? slidingLayers.indexOf(true) : numLayers);
            }
            if (qwen || family == DecoderFamily.GEMMA2) {
                ArrayNode types = o.putArray("layer_types");
                for (int i = 0; i < numLayers; i++) types.add(slidingLayer(i) ? "sliding_attention" : "full_attention");
            }
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

    private static void putCap(ObjectNode o, String field, double cap) {
        if (cap > 0) o.put(field, cap);
        else o.putNull(field);
    }
}
