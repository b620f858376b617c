package dev.rlhf4j.train;

import dev.rlhf4j.train.optim.LrSchedule;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ScheduleAndPlanTest {
    @Test
    void warmupThenLinearDecayToZero() {
        LrSchedule s = new LrSchedule(1e-4, 10, 110, "linear");
        assertThat(s.at(0)).isCloseTo(1e-5, within(1e-12));
        assertThat(s.at(9)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.at(60)).isCloseTo(0.5e-4, within(1e-12));
        assertThat(s.at(110)).isCloseTo(0, within(1e-12));
        LrSchedule cos = new LrSchedule(1e-4, 0, 100, "cosine");
        assertThat(cos.at(50)).isCloseTo(0.5e-4, within(1e-12));
    }

    @Test
    void planIsAPermutationDeterministicPerSeedAndEpoch() {
        int[] lengths = new int[1000];
        for (int i = 0; i < lengths.length; i++) lengths[i] = (i * 37) % 200;
        List<int[]> a = BatchPlan.plan(lengths, 8, 7, 0, true);
        List<int[]> b = BatchPlan.plan(lengths, 8, 7, 0, true);
        List<int[]> other = BatchPlan.plan(lengths, 8, 7, 1, true);
        assertThat(a).hasSize(125);
        for (int i = 0; i < a.size(); i++) assertThat(a.get(i)).isEqualTo(b.get(i));
        assertThat(Arrays.deepEquals(a.toArray(), other.toArray())).isFalse();
        int[] all = a.stream().flatMapToInt(Arrays::stream).sorted().toArray();
        for (int i = 0; i < all.length; i++) assertThat(all[i]).isEqualTo(i);
        // Grouping by length: within a batch lengths are close (window-sorted), far closer than at random.
        double spread = a.stream().mapToInt(x -> Arrays.stream(x).map(i -> lengths[i]).max().getAsInt()
                - Arrays.stream(x).map(i -> lengths[i]).min().getAsInt()).average().orElse(0);
        assertThat(spread).isLessThan(20);
    }
}
