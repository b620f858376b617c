package dev.rlhf4j.model;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.model.bert.BertModels;
import dev.rlhf4j.model.decoder.DecoderConfig;
import dev.rlhf4j.model.decoder.DecoderModels;

import java.nio.file.Path;

/**
 * The one place a family of backbones is loaded from and saved to: BERT encoders ({@link BertModels}) or
 * decoders ({@link DecoderModels}, which also saves language models). Chosen once: from a checkpoint's
 * {@code config.json} ({@link #of}) or from the backbone a model runs on ({@link Backbone#family()}).
 */
public interface ModelFamily {

    /** A saved reward-model checkpoint of this family, on its raw scale (calibration and normalisation are attached by the caller). */
    RewardModel loadRewardModel(Path dir, JsonNode config, Device device);

    /** The {@code config.json} a checkpoint of {@code model} carries (also written beside a LoRA adapter). */
    ObjectNode rewardModelConfig(RewardModel model);

    /** Writes {@code model} as a checkpoint of this family into {@code dir} (see {@link ModelFiles#write}). */
    void saveRewardModel(RewardModel model, Path dir, ObjectNode provenance);

    /**
     * Whether this family's models are decoders: they score a rendered dialogue as sent ({@code [BOS] text EOS}) and
     * read the reward at the last token; encoders read a (context, response) pair.
     */
    boolean isDecoder();

    /** The family a {@code config.json} describes. */
    static ModelFamily of(JsonNode config) {
        return DecoderConfig.isDecoder(config) ? DecoderModels.FAMILY : BertModels.FAMILY;
    }
}
