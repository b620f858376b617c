package dev.rlhf4j.model;

import ai.djl.Device;
import dev.rlhf4j.model.decoder.DecoderModels;
import dev.rlhf4j.model.decoder.ScratchDecoder;
import dev.rlhf4j.text.Tokenizer;

/**
 * How to build a fresh reward model: which backbone, how to pool, how many tokens, where to run.
 *
 * @param backbone preset id ({@code minilm}, {@code bge-small}), a Hugging Face BERT or decoder directory, or a
 *                 llama2.c {@code .bin}
 * @param pooling  null picks the backbone's natural pooling: CLS for encoders, the last real token for decoders
 * @param scratch  when set, a randomly initialised decoder of this shape replaces {@code backbone}
 * @param lora     when set, a fresh LoRA adapter on the backbone (trained instead of the backbone's weights)
 */
public record ModelSpec(String backbone, Pooling pooling, int maxLength, Device device, ScratchDecoder scratch,
                        dev.rlhf4j.model.lora.LoraConfig lora) {

    public ModelSpec(String backbone, Pooling pooling, int maxLength, Device device) {
        this(backbone, pooling, maxLength, device, null, null);
    }

    public ModelSpec(String backbone, Pooling pooling, int maxLength, Device device, ScratchDecoder scratch) {
        this(backbone, pooling, maxLength, device, scratch, null);
    }

    public ModelSpec {
        if (lora != null && scratch != null) throw new IllegalArgumentException("LoRA (--lora-r) needs a pretrained --backbone, not --init scratch");
    }

    /** The same spec with a LoRA adapter (null: none). */
    public ModelSpec withLora(dev.rlhf4j.model.lora.LoraConfig l) {
        return new ModelSpec(backbone, pooling, maxLength, device, scratch, l);
    }

    /** Whether the model is a decoder (reads the reward at the last real token). */
    public boolean decoder() {
        return scratch != null || RewardModels.isDecoder(backbone);
    }

    public Pooling effectivePooling() {
        return pooling != null ? pooling : decoder() ? Pooling.LAST : Pooling.CLS;
    }

    /** A new model with pretrained backbone weights (or a random decoder) and a head initialised from {@code seed}. */
    public RewardModel create(long seed) {
        if (scratch != null) {
            Tokenizer tok = ScratchDecoder.tokenizer(scratch.vocabFrom());
            try {
                return DecoderModels.scratch(scratch.config(tok, Math.max(maxLength, 256)), tok, device, maxLength, seed,
                        "scratch:" + scratch.layers() + "x" + scratch.dim());
            } catch (RuntimeException e) {
                tok.close();
                throw e;
            }
        }
        RewardModel rm = RewardModels.pretrained(backbone, device, effectivePooling(), maxLength, seed);
        if (lora != null) rm = dev.rlhf4j.model.lora.Adapters.attachNew(rm, lora, seed);
        dev.rlhf4j.engine.Engines.collectLoadGarbage(); // the weights' host copies
        return rm;
    }
}
