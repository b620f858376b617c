package dev.rlhf4j.strength;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StrengthTest {
    @Test
    @Tag("slow") // slow tier: trains an ensemble
    void membersTrainingTheirTopLayerShareOneCacheAndScoreAsTheFullModelDoes() {
        List<PreferencePair> pairs = dev.rlhf4j.synth.SyntheticTask.generate(new dev.rlhf4j.synth.SynthConfig(40, 0.2,
                0.25, 5, List.of()));
        var spec = new dev.rlhf4j.model.ModelSpec(dev.rlhf4j.model.RewardModels.TINY_RANDOM, dev.rlhf4j.model.Pooling.CLS, 48,
                ai.djl.Device.cpu());
        var train = dev.rlhf4j.train.TrainConfig.builder().trainTopLayers(1).build();
        List<float[][]> full = new ArrayList<>();
        var lower = new dev.rlhf4j.train.LowerLayerCache[1];
        try (var any = spec.create(9)) {
            lower[0] = dev.rlhf4j.train.LowerLayerCache.forTopLayers(any, 1);
        }
        var progress = new java.io.ByteArrayOutputStream();
        StrengthEstimator.Result r = StrengthEstimator.estimate(pairs, new StrengthEstimator.Config(2, StrengthScheme.ORDER, 9),
                spec, train, new dev.rlhf4j.train.loss.BradleyTerryLoss(), new java.io.PrintStream(progress, true),
                (k, model) -> {
                    full.add(dev.rlhf4j.eval.PairScorer.score(model, pairs, 7));
                }, lower[0]);
        assertThat(progress.toString()).contains("strength member 1/2 done: trained ").contains("ensemble ETA ");
        // Member 0 (seed 9) has the lower layers the cache was built with (seed 9) and scores through it; the
        // tiny model's random lower layers differ for member 1 (seed 10), which falls back to the full pass.
        assertThat(lower[0].size()).as("one entry per distinct response text").isBetween(40, 80);
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < pairs.size(); i++) {
                PairStrength s = r.strengths().get(i);
                assertThat((double) s.chosenScores()[k]).isCloseTo(full.get(k)[0][i], within(1e-4));
                assertThat((double) s.rejectedScores()[k]).isCloseTo(full.get(k)[1][i], within(1e-4));
            }
        }
        // the two members differ (data order and head init), so the ensemble has spread
        assertThat(java.util.Arrays.stream(r.stds()).max().orElse(0)).isGreaterThan(0);
    }

    /** The ETA counts members' own training and scoring time, not the hook's, on a clock the test sets. */
    @Test
    void ensembleEtaExtrapolatesMembersOwnTimeOnly() {
        // Clock readings in seconds: construction 0; member 1 starts at 0, trained at 10, scored at 12, and its
        // hook ends at 42; member 2 starts at 42, trained at 56, scored at 60, hook ends at 60.
        long[] at = {0, 0, 10, 12, 42, 42, 56, 60, 60};
        int[] i = {0};
        var out = new java.io.ByteArrayOutputStream();
        EnsembleProgress timer = new EnsembleProgress(new java.io.PrintStream(out, true), 3,
                () -> at[i[0]++] * 1_000_000_000L);
        timer.lap();
        double train1 = timer.lap(), score1 = timer.lap(), hook1 = timer.lap();
        assertThat(new double[] {train1, score1, hook1}).containsExactly(10, 2, 30);
        // 2 members left at 12 s each (10 + 2; the hook's 30 s stays out) = 24 s
        assertThat(timer.memberDone("member 1/3", train1, 40, score1, hook1)).isEqualTo(24.0);
        timer.lap();
        double train2 = timer.lap(), score2 = timer.lap(), hook2 = timer.lap();
        // 1 member left at the mean of 12 s and 18 s = 15 s
        assertThat(timer.memberDone("member 2/3", train2, 40, score2, hook2)).isEqualTo(15.0);
        assertThat(out.toString()).isEqualTo(
                "member 1/3 done: trained 10 s, scored 40 pairs in 2 s (then 30 s outside the ensemble); ensemble ETA 0m24s\n"
                + "member 2/3 done: trained 14 s, scored 40 pairs in 4 s; ensemble ETA 0m15s\n");
    }

    @Test
    void ensemblePlanGivesEachMemberItsDataAndItsPairsToScore() {
        List<PreferencePair> pairs = withMeans(new double[300]);
        for (StrengthScheme scheme : StrengthScheme.values()) {
            EnsemblePlan plan = EnsemblePlan.of(pairs, new StrengthEstimator.Config(3, scheme, 5));
            int[] scoredBy = new int[pairs.size()];
            for (int k = 0; k < 3; k++) {
                List<Integer> train = plan.trainIndices(k);
                assertThat(plan.trainIndices(k)).as("a pure function of the pairs and the config").isEqualTo(train);
                java.util.Set<Integer> trained = new java.util.HashSet<>(train);
                for (int i : plan.scoreIndices(k)) {
                    scoredBy[i]++;
                    if (scheme != StrengthScheme.ORDER) assertThat(trained).as(scheme + ": no pair scored by a member that saw it").doesNotContain(i);
                }
                switch (scheme) {
                    case ORDER -> assertThat(train).hasSize(300).isEqualTo(plan.scoreIndices(k));
                    case KFOLD -> assertThat(train.size() + plan.scoreIndices(k).size()).isEqualTo(300);
                    case BOOTSTRAP -> {
                        assertThat(train).hasSize(300); // n draws with replacement
                        assertThat(trained.size() + plan.scoreIndices(k).size()).isEqualTo(300); // out-of-bag = the rest
                    }
                }
            }
            if (scheme == StrengthScheme.ORDER) assertThat(scoredBy).containsOnly(3);
            if (scheme == StrengthScheme.KFOLD) assertThat(scoredBy).containsOnly(1);
        }
    }

    @Test
    void meanAndPopulationStd() {
        PairStrength s = PairStrength.of(new float[] {3, 1, 2}, new float[] {1, 1, 0});
        // differences 2, 0, 2 → mean 4/3, population std sqrt(((2/3)²·2 + (4/3)²)/3)
        assertThat(s.mean()).isCloseTo(4.0 / 3, within(1e-9));
        assertThat(s.std()).isCloseTo(Math.sqrt((4.0 / 9 * 2 + 16.0 / 9) / 3), within(1e-9));
    }

    @Test
    void rocAucCountsTiesHalf() {
        assertThat(StrengthSummary.rocAuc(new double[] {0.9, 0.8, 0.1, 0.2}, new boolean[] {true, true, false, false})).isEqualTo(1.0);
        assertThat(StrengthSummary.rocAuc(new double[] {0.1, 0.2, 0.9, 0.8}, new boolean[] {true, true, false, false})).isEqualTo(0.0);
        assertThat(StrengthSummary.rocAuc(new double[] {0.5, 0.5}, new boolean[] {true, false})).isEqualTo(0.5);
        assertThat(StrengthSummary.rocAuc(new double[] {0.3, 0.5, 0.4}, new boolean[] {true, true, false})).isEqualTo(0.5);
    }

    @Test
    void summaryHasTwentyGroupsSortedByMeanAndFlipDetection() {
        int n = 200;
        double[] mu = new double[n], sd = new double[n];
        boolean[] flipped = new boolean[n];
        for (int i = 0; i < n; i++) {
            mu[i] = i - 40.5; // 41 negative
            sd[i] = Math.abs(mu[i]) / 10;
            flipped[i] = i < 40;
        }
        ObjectNode s = StrengthSummary.of(mu, sd, flipped, null);
        assertThat(s.path("fraction_negative").asDouble()).isEqualTo(41 / 200.0);
        assertThat(s.withArray("groups").size()).isEqualTo(20);
        assertThat(s.withArray("groups").get(0).path("count").asInt()).isEqualTo(10);
        assertThat(s.withArray("groups").get(0).path("mean_mu").asDouble()).isCloseTo(-36.0, within(1e-9));
        assertThat(s.path("flip_auc").asDouble()).isEqualTo(1.0);
        assertThat(s.path("flip_precision_at_rate").asDouble()).isEqualTo(1.0);
        assertThat(s.path("flip_recall_mu_negative").asDouble()).isEqualTo(1.0);
    }

    static List<PreferencePair> withMeans(double... mu) {
        List<PreferencePair> out = new ArrayList<>();
        for (int i = 0; i < mu.length; i++) {
            ObjectNode r = Json.MAPPER.createObjectNode();
            r.put("prompt", "p" + i);
            r.put("chosen", "c" + i);
            r.put("rejected", "r" + i);
            r.put("gold_chosen", 1.0);
            r.put("gold_rejected", 0.0);
            r.put(StrengthEstimator.MEAN, mu[i]);
            r.putArray(StrengthEstimator.CHOSEN_SCORES).add(mu[i]);
            r.putArray(StrengthEstimator.REJECTED_SCORES).add(0.0);
            out.add(new PreferencePair("id" + i, List.of(Turn.user("p" + i)), "c" + i, "r" + i, r, "f", i + 1));
        }
        return out;
    }

    @Test
    void denoiserFlipsTheWeakestAndAttachesMarginsAndSmoothing() {
        List<PreferencePair> in = withMeans(-2, -0.5, 0.2, 1, 3, 9);
        Denoiser d = new Denoiser(0.2, Double.NaN, Double.NaN, Double.NaN, 0.5, false, 4.0, 0.1);
        Denoiser.Outcome o = d.apply(in);
        assertThat(o.flipped()).isEqualTo(1);
        PreferencePair first = o.pairs().get(0);
        assertThat(first.chosen()).isEqualTo("r0");
        assertThat(first.record().path("chosen").asText()).isEqualTo("r0");
        assertThat(first.record().path(StrengthEstimator.MEAN).asDouble()).isEqualTo(2.0);
        assertThat(first.record().path("gold_chosen").asDouble()).isEqualTo(0.0);
        assertThat(first.record().path("denoise_flipped").asBoolean()).isTrue();
        assertThat(first.record().path("margin").asDouble()).isEqualTo(1.0);
        // second: stays negative → negative margin and smoothing
        assertThat(o.pairs().get(1).record().path("margin").asDouble()).isEqualTo(-0.25);
        assertThat(o.pairs().get(1).record().path("label_smoothing").asDouble()).isEqualTo(0.1);
        assertThat(o.pairs().get(2).record().path("label_smoothing").asDouble()).isEqualTo(0.0);
        assertThat(o.pairs().get(5).record().path("margin").asDouble()).isEqualTo(4.0); // capped
        assertThat(o.smoothed()).isEqualTo(1);
    }

    @Test
    void denoiserDropsAnAmbiguousBandAndFlipsBelowAThreshold() {
        Denoiser d = new Denoiser(0, 0.0, 0.1, 1.5, 1.0, true, 4.0, 0.1);
        Denoiser.Outcome o = d.apply(withMeans(-2, -0.5, 0.2, 1, 3));
        assertThat(o.flipped()).isEqualTo(2);
        // The band applies to μ̂ after flipping: −0.5 became 0.5 and is dropped with 0.2 and 1.
        assertThat(o.dropped()).isEqualTo(3);
        assertThat(o.pairs()).extracting(PreferencePair::id).containsExactly("id0", "id4");
        assertThat(o.pairs().get(0).record().path("margin").asDouble()).isEqualTo(2.0);
    }

    @Test
    void pairsWithoutStrengthAreAnError() {
        ObjectNode r = Json.MAPPER.createObjectNode();
        PreferencePair p = new PreferencePair("x", List.of(), "a", "b", r, "data.jsonl", 7);
        assertThatThrownBy(() -> Denoiser.defaults().apply(List.of(p))).hasMessageContaining("data.jsonl:7")
                .hasMessageContaining("mean preference difference");
    }
}
