package dev.rlhf4j.model.decoder;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.model.ModelFamily;
import dev.rlhf4j.model.ModelFiles;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.text.ChatTemplates;
import dev.rlhf4j.text.SequenceEncoder;
import dev.rlhf4j.text.Tokenizer;

import java.nio.file.Path;
import java.util.List;

/**
 * Where decoder models come from and go to: reward models on a decoder checkpoint ({@code *ForSequenceClassification},
 * reward at the last real token of {@code [BOS] dialogue EOS}) and the one save path of decoders, which reward models
 * and {@link CausalLm} share ({@link #write}).
 */
public final class DecoderModels implements ModelFamily {
    public static final DecoderModels FAMILY = new DecoderModels();

    private DecoderModels() {}

    /**
     * A reward model on a decoder checkpoint.
     *
     * @param loadHead take {@code score.weight} from the checkpoint (a saved or published reward model) rather
     *                 than initialising it from {@code headSeed}
     */
    public static RewardModel rewardModel(DecoderCheckpoint ck, Device device, int maxLength, long headSeed, boolean loadHead,
                                          String name) {
        DecoderConfig c = ck.config();
        if (maxLength > c.maxPositions()) {
            throw new IllegalArgumentException("--max-length " + maxLength + " exceeds the model's max_position_embeddings "
                    + c.maxPositions() + " (" + ck.source() + ")");
        }
        NDManager manager = Engines.newManager(device);
        Tokenizer tok = null;
        try {
            tok = ck.tokenizer();
            Decoder d = Decoder.create(manager, c);
            RewardModel rm = new RewardModel(manager, d, Pooling.LAST, encoder(c, tok, ck.tokenizerConfig(), maxLength),
                    name, headSeed).withTokenizerConfig(ck.tokenizerConfig());
            if (loadHead) {
                rm.parameters().load(ck.tensors(), List.of(), n -> n.startsWith(RewardModels.AUXILIARY) || DecoderCheckpoint.NOT_BACKBONE.test(n));
            } else {
                d.parameters().load(ck.tensors(), List.of(), DecoderCheckpoint.NOT_BACKBONE);
            }
            return rm;
        } catch (RuntimeException e) {
            if (tok != null) tok.close();
            manager.close();
            throw e;
        }
    }

    /** A reward model on a language model's backbone (a decoder directory or llama2.c {@code .bin}) with a fresh head. */
    public static RewardModel pretrained(Path backbone, Device device, Pooling pooling, int maxLength, long headSeed) {
        if (pooling != Pooling.LAST) {
            throw new IllegalArgumentException("a decoder backbone reads the reward at the last real token: use --pooling last (got "
                    + pooling.name().toLowerCase() + ")");
        }
        return rewardModel(DecoderCheckpoint.read(backbone).forTraining(), device, maxLength, headSeed, false, backbone.toString());
    }

    /**
     * A decoder reward model with random weights of {@code config}'s shape (training from scratch): the same
     * layout and specials as a loaded one.
     */
    public static RewardModel scratch(DecoderConfig config, Tokenizer tok, Device device, int maxLength, long seed, String name) {
        NDManager manager = Engines.newManager(device);
        Decoder d = Decoder.create(manager, config);
        d.initRandom(seed);
        return new RewardModel(manager, d, Pooling.LAST, encoder(config, tok, null, maxLength), name, seed);
    }

    /**
     * The decoder layout: BOS where the model uses one, EOS appended, the config's pad id (else {@code <unk>},
     * else EOS: rewards read the last real token from the mask, so any pad gives the same rewards), and the
     * checkpoint's chat template when its tokenizer config has one.
     */
    static SequenceEncoder encoder(DecoderConfig c, Tokenizer tok, JsonNode tokenizerConfig, int maxLength) {
        int pad = c.padId() >= 0 ? c.padId() : tok.idOf("<unk>") >= 0 ? tok.idOf("<unk>") : c.eosId();
        return SequenceEncoder.forDecoder(tok, maxLength,
                new SequenceEncoder.Decoding(c.addBos() ? c.bosId() : -1, c.eosId(), pad, ChatTemplates.renderer(tokenizerConfig)));
    }

    /** An rlhf4j decoder RM, or a published {@code *ForSequenceClassification} reward model. */
    @Override
    public RewardModel loadRewardModel(Path dir, JsonNode cfg, Device device) {
        if (!DecoderFamily.isSequenceClassifier(cfg) || cfg.path("num_labels").asInt(1) != 1 && cfg.path("id2label").size() != 1) {
            throw new IllegalArgumentException(dir.resolve(ModelFiles.CONFIG) + " is not a reward model (needs a *ForSequenceClassification "
                    + "architecture with one label); to start from a language model use --backbone");
        }
        DecoderCheckpoint ck = DecoderCheckpoint.readHf(dir);
        int maxLength = cfg.path("max_length").asInt(Math.min(ck.config().maxPositions(), 1024));
        return rewardModel(ck, device, maxLength, 0, true, cfg.path("backbone_name").asText(dir.toString()));
    }

    /** Saves as {@code *ForSequenceClassification} with one label. */
    @Override
    public ObjectNode rewardModelConfig(RewardModel model) {
        DecoderConfig c = config(model);
        ObjectNode o = c.toJson(c.family().sequenceClassificationClass());
        o.put("num_labels", 1);
        o.putObject("id2label").put("0", "LABEL_0");
        o.putObject("label2id").put("LABEL_0", 0);
        o.put("pooling", "last");
        o.put("max_length", model.encoder().maxLength());
        RewardModels.putProvenanceKeys(o, model);
        return o;
    }

    @Override
    public boolean isDecoder() {
        return true;
    }

    @Override
    public void saveRewardModel(RewardModel model, Path dir, ObjectNode provenance) {
        write(dir, model.parameters(), config(model), rewardModelConfig(model), model.encoder().tokenizer(), model.tokenizerConfig(), provenance);
    }

    private static DecoderConfig config(RewardModel model) {
        return ((Decoder) model.backbone()).config().withPadId(model.encoder().padId());
    }

    /**
     * The one save path of decoders: weights, {@code config} as config.json, the tokenizer, and a tokenizer_config.json
     * transformers reads (specials of {@code c}, the chat template of {@code tokenizerConfig}).
     */
    static void write(Path dir, ModelParameters weights, DecoderConfig c, ObjectNode config, Tokenizer tokenizer,
                      JsonNode tokenizerConfig, ObjectNode provenance) {
        ModelFiles.write(dir, weights, config, tokenizer, tokenizerConfig(c, tokenizer, tokenizerConfig), provenance);
    }

    /**
     * The tokenizer_config.json a saved decoder carries, so transformers' AutoTokenizer reads the same specials:
     * {@code original}'s fields (a chat template among them) with the special tokens and BOS policy of {@code c}.
     */
    static ObjectNode tokenizerConfig(DecoderConfig c, Tokenizer tok, JsonNode original) {
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
