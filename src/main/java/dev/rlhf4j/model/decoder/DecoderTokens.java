package dev.rlhf4j.model.decoder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.text.Tokenizer;

/** The tokenizer_config.json a saved decoder carries, so transformers' AutoTokenizer reads the same specials. */
public final class DecoderTokens {
    private DecoderTokens() {}

    /** {@code original}'s fields (a chat template among them) with the special tokens and BOS policy of {@code c}. */
    public static ObjectNode tokenizerConfig(DecoderConfig c, Tokenizer tok, JsonNode original) {
        ObjectNode o = original != null && original.isObject() ? ((ObjectNode) original).deepCopy()
                : Json.MAPPER.createObjectNode();
        o.put("tokenizer_class", "PreTrainedTokenizerFast");
        o.put("add_bos_token", c.addBos());
        o.put("add_eos_token", false);
        put(o, "bos_token", tok.tokenOf(c.bosId()));
        put(o, "eos_token", tok.tokenOf(c.eosId()));
        put(o, "pad_token", c.padId() >= 0 ? tok.tokenOf(c.padId()) : null);
        put(o, "unk_token", tok.tokenOf(tok.idOf("<unk>")));
        o.put("model_max_length", c.maxPositions());
        return o;
    }

    private static void put(ObjectNode o, String field, String token) {
        if (token == null) o.putNull(field);
        else o.put(field, token);
    }
}
