package dev.rlhf4j.demo;

import ai.djl.Device;
import dev.rlhf4j.model.ModelSpec;
import dev.rlhf4j.model.Pooling;
import dev.rlhf4j.train.TrainConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which reward-model variants the demo trains beside the baseline, and the subset an experiment asks for. */
class DemoPipelineVariantsTest {
    static DemoConfig config(boolean contrastive) {
        return new DemoConfig(40, 20, 10, 0.2, 2, 0, 1.0, 0.1, 7, new ModelSpec("minilm", Pooling.CLS, 64, Device.cpu()),
                TrainConfig.builder().build(), contrastive);
    }

    static List<String> names(List<DemoPipeline.Variant> vs) {
        return vs.stream().map(DemoPipeline.Variant::name).toList();
    }

    @Test
    void theDemoTrainsFourVariantsAndFiveMoreWithContrastive() {
        assertThat(names(DemoPipeline.variants(config(false)))).containsExactly("flip", "margin", "flip+margin", "soft-label+margin");
        assertThat(names(DemoPipeline.variants(config(true)))).containsExactly("flip", "margin", "flip+margin", "soft-label+margin",
                "simcse-pairs", "simcse-difference", "swav-pairs", "swav-difference", "flip+margin+simcse");
    }

    @Test
    void onlyTheNamedVariantsAreTrainedWithTheirOwnLossAndData() {
        List<DemoPipeline.Variant> all = DemoPipeline.variants(config(false));
        assertThat(DemoPipeline.selected(all, null)).isSameAs(all);
        List<DemoPipeline.Variant> fm = DemoPipeline.selected(all, Set.of("flip+margin"));
        assertThat(fm).containsExactly(all.get(2));
        assertThat(fm.get(0).flipped()).isTrue();
        assertThat(fm.get(0).loss().name()).isEqualTo(all.get(2).loss().name());
        assertThat(names(DemoPipeline.selected(all, Set.of("soft-label+margin", "flip")))).containsExactly("flip", "soft-label+margin");
        assertThatThrownBy(() -> DemoPipeline.selected(all, Set.of("flip+margin+simcse"))).hasMessageContaining("no reward-model variant flip+margin+simcse");
    }
}
