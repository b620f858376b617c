package dev.rlhf4j.serving;

import ai.djl.Device;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.model.FlopCount;
import dev.rlhf4j.model.ModelFamily;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.model.RewardModel;
import dev.rlhf4j.model.RewardModels;
import dev.rlhf4j.model.bert.BertConfig;
import dev.rlhf4j.model.bert.BertModels;
import dev.rlhf4j.model.decoder.DecoderModels;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a model is (encoder or decoder) comes from its backbone's family, never from the backbone's class. */
class ServedModelTest {

    @Test
    void theFamilySaysEncoderOrDecoderAndWhetherTheBackboneCountsItsFlops() {
        try (RewardModel bert = RewardModels.pretrained(RewardModels.TINY_RANDOM, Device.cpu(), Pooling.CLS, 32, 1);
             RewardModel llama = RewardModels.load(SharedFiles.get("models/hf-tiny/llama-rm"), Device.cpu())) {
            assertThat(bert.backbone().family()).isSameAs(BertModels.FAMILY);
            assertThat(llama.backbone().family()).isSameAs(DecoderModels.FAMILY);
            assertThat(BertModels.FAMILY.isDecoder()).isFalse();
            assertThat(DecoderModels.FAMILY.isDecoder()).isTrue();
            // the family a saved config names is the family that wrote it
            for (RewardModel m : new RewardModel[] {bert, llama}) {
                assertThat(ModelFamily.of(m.backbone().family().rewardModelConfig(m))).isSameAs(m.backbone().family());
            }

            assertThat(new ServedModel("b", null, bert).isDecoder()).isFalse();
            assertThat(new ServedModel("b", null, bert).describe().path("kind").asText()).isEqualTo("encoder");
            assertThat(new ServedModel("l", null, llama).isDecoder()).isTrue();
            assertThat(new ServedModel("l", null, llama).describe().path("kind").asText()).isEqualTo("decoder");

            // bench's MFU: BERT counts its FLOPs (its config), decoders do not
            FlopCount flops = bert.backbone().flops();
            BertConfig c = BertConfig.fromJson(bert.backbone().configJson());
            assertThat(flops).isEqualTo(c);
            // by hand, one sequence of 2 tokens, every position: 3 × [L·(2·(4H² + 2HF)·2 + 4·2²·H) + 2H]
            double h = c.hiddenSize(), f = c.intermediateSize();
            double want = 3 * (c.numLayers() * (2 * (4 * h * h + 2 * h * f) * 2 + 4 * 4 * h) + 2 * h);
            assertThat(flops.trainingFlops(1, 2, false)).isEqualTo(want);
            assertThat(llama.backbone().flops()).isNull();
        }
    }
}
