package dev.rlhf4j.report;

import dev.rlhf4j.JsonPaths;
import dev.rlhf4j.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunReportTest {
    @Test
    void fullRunHasEverySectionAndListsItsFiles(@TempDir Path dir) throws Exception {
        ReportFixtures.fullRun(dir);
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        assertThat(r.sections()).containsExactlyElementsOf(RunReport.SECTIONS);
        assertThat(r.filesRead()).containsExactlyInAnyOrder("strength.jsonl", "strength.json", "summary.json",
                "metrics/baseline.jsonl", "metrics/flip+margin.jsonl", "hh-rm/metrics.jsonl", "deciles.json",
                "eval-baseline-rm.json", "eval-simcse-rm.json", "ppo/metrics.jsonl", "bon/bon.json", "bon/rm_on_policy.json", "bon/judge.json", "bon/claims.json",
                "beyond_ppo.json");
        String html = Files.readString(r.file());
        // Every section but the file list carries at least one plot, and each plot drew something.
        for (String id : RunReport.SECTIONS) {
            String section = section(html, id);
            if (id.equals("files") || id.equals("overview")) continue;
            List<String> svgs = svgs(section);
            assertThat(svgs).as(id).isNotEmpty();
            for (String svg : svgs) assertThat(SvgTest.marks(svg)).as(id).isGreaterThan(0);
        }
        // Nothing outside the page: no script, stylesheet or image from elsewhere.
        assertThat(html).doesNotContain("<script", "<link", "<img", "@import").contains("<svg");
        assertThat(html).doesNotContainPattern("(src|href)=\"(?!#)");
        // A variant name with markup in it is shown as text.
        assertThat(html).contains(Svg.escape(ReportFixtures.HOSTILE_VARIANT));
        // The PPO section has all four curves, the training section the validation curve of hh-rm.
        assertThat(svgs(section(html, "ppo"))).hasSize(4);
        assertThat(section(html, "training")).contains("Validation accuracy", "hh-rm", "flip+margin");
        assertThat(section(html, "files")).contains("ppo/metrics.jsonl", "used in");
        // Best-of-n: one band and one line per reward model; the judge and rm-on-policy tables show the intervals.
        assertThat(section(html, "bon")).contains("data-plot=\"bands\"", "good-rm", "poor-rm", "KL_bon");
        assertThat(svgs(section(html, "bon")).get(0).split("class=\"band\"", -1)).hasSize(4);
        assertThat(svgs(section(html, "bon")).get(1)).contains("<title>poor-rm − good-rm</title></path>", "<title>gold − good-rm</title></path>");
        assertThat(section(html, "judge")).contains("0.1200 [0.0200, 0.2200]", "50.0% [41.0, 59.0]", "+10.0 [-6.0, +26.0] pts");
        assertThat(section(html, "rm-on-policy")).contains("good-rm", "Kendall", "(p ");
        // Claims: the best-of-n differences fixed across seeds and the contrastive choice.
        assertThat(section(html, "claims")).contains("<th>contrastive (simcse-pairs) − baseline</th>", "<tr><td>16</td><td>+0.0310 [-0.0120, +0.0740]</td></tr>",
                "Contrastive RM: simcse-pairs, chosen by accuracy on the validation pairs");
    }

    /**
     * An experiment's directory: the claims section has the mechanism table (every row, mean over seeds with its 95% t
     * interval and the per-seed values) and its accuracy bars; the best-of-n section draws bon_contrastive.json's three
     * curves once, and not bon.json's two again; the differences from the baseline are in both. t(0.975, 2) = 4.302653:
     * values 0.70, 0.66, 0.68 have mean 0.68, s = 0.02, half-width 4.302653·0.02/√3 = 0.0497; 0.01, 0.05, −0.03 have
     * s = 0.04, half-width 0.0994; 0.02, 0, 0.01 have s = 0.01, half-width 0.0248.
     */
    @Test
    void experimentHasTheMechanismTableAndOneBestOfNChartOfTheThreeRewardModels(@TempDir Path dir) throws Exception {
        ReportFixtures.experiment(dir);
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        assertThat(r.sections()).containsExactly("bon", "claims", "files");
        assertThat(r.filesRead()).containsExactlyInAnyOrder("claims.json", "bon/bon.json", "bon/bon_contrastive.json");
        String html = Files.readString(r.file());

        String claims = section(html, "claims");
        assertThat(claims).contains("Mechanism: reward-model accuracy against gold on policy samples",
                "<tr><td>baseline RM, SFT samples (first snapshot)</td><td>rm_on_policy.accuracy</td><td>0.6800 [0.6303, 0.7297]</td><td>3</td>"
                        + "<td>0.7000, 0.6600, 0.6800</td></tr>",
                "<tr><td>baseline RM, PPO(baseline) samples (last snapshot, 1 PPO run)</td><td>rm_on_policy.accuracy</td>"
                        + "<td>0.6000 [0.5503, 0.6497]</td><td>3</td><td>0.6000, 0.6200, 0.5800</td></tr>",
                "<tr><td>baseline RM, iterated vanilla PPO round 2 samples (last snapshot, 3 PPO runs)</td><td>rm_on_policy.accuracy</td>"
                        + "<td>0.5500 [0.5003, 0.5997]</td>",
                "<tr><td>round 1: MetaRM, round 1&#39;s policy samples</td><td>rm_on_policy.accuracy</td><td>0.6200 [0.5703, 0.6697]</td>",
                "<tr><td>round 1: eta-0 control, same samples</td><td>rm_on_policy.accuracy</td><td>0.6100 [0.5603, 0.6597]</td>",
                "<tr><td>round 1: MetaRM minus eta-0 (same pairs)</td><td>rm_on_policy.accuracy_difference</td><td>+0.0100 [-0.0148, +0.0348]</td>"
                        + "<td>3</td><td>+0.0200, +0.0000, +0.0100</td></tr>",
                "<tr><td>round 2: MetaRM, round 2&#39;s policy samples</td><td>rm_on_policy.accuracy</td><td>0.5800 [0.5303, 0.6297]</td>",
                "<tr><td>round 2: eta-0 control, same samples</td><td>rm_on_policy.accuracy</td><td>0.5700 [0.5203, 0.6197]</td>",
                "<tr><td>round 2: MetaRM minus eta-0 (same pairs)</td><td>rm_on_policy.accuracy_difference</td><td>+0.0100 [-0.0894, +0.1094]</td>"
                        + "<td>3</td><td>+0.0100, +0.0500, -0.0300</td></tr>");
        assertThat(claims.split("<tr><td>", -1)).as("rows: 1 claim, 9 mechanism, 3 best-of-n").hasSize(1 + 1 + 9 + 3);
        // The accuracy bars: the 7 levels (not the 2 differences), labelled short, against chance.
        List<String> claimPlots = svgs(claims);
        assertThat(claimPlots).hasSize(2);
        String mech = claimPlots.get(1);
        assertThat(mech.split("class=\"mark bar\"", -1)).hasSize(8);
        assertThat(mech).contains(">SFT<", ">PPO(baseline)<", ">iterated vanilla PPO round 2<", ">round 2 eta-0 control<",
                "round 1 MetaRM: 0.6200 ± 0.04968");
        // Best-of-n differences fixed across seeds: n by reward model (Flip + Margin's entries without reward_model).
        assertThat(claims).contains("<tr><th>n</th><th>flip+margin − baseline</th><th>contrastive (simcse-pairs) − baseline</th></tr>",
                "<tr><td>1</td><td>+0.0000 [+0.0000, +0.0000]</td><td>+0.0000 [+0.0000, +0.0000]</td></tr>",
                "<tr><td>4</td><td>+0.0400 [+0.0100, +0.0700]</td><td>+0.0100 [-0.0200, +0.0400]</td></tr>",
                "<tr><td>16</td><td>+0.0700 [+0.0200, +0.1200]</td><td>-0.0200 [-0.0800, +0.0400]</td></tr>",
                "Contrastive RM: simcse-pairs, chosen by accuracy against the given (noisy) labels of the 300 validation pairs.");

        // One best-of-n chart with the three curves, one of the differences; bon.json's curves are not drawn a second time.
        String bon = section(html, "bon");
        List<String> bonPlots = svgs(bon);
        assertThat(bonPlots).hasSize(2);
        assertThat(bonPlots.get(0).split("class=\"band\"", -1)).hasSize(4);
        assertThat(bonPlots.get(1).split("class=\"band\"", -1)).hasSize(3);
        for (String rm : List.of("baseline", "flip+margin", "contrastive (simcse-pairs)")) {
            assertThat(bon.split(Pattern.quote("<title>" + rm + "</title></path>"), -1)).as(rm).hasSize(2);
        }
        assertThat(bonPlots.get(1)).contains("<title>flip+margin − baseline</title></path>", "<title>contrastive (simcse-pairs) − baseline</title></path>");
        assertThat(bon).contains("<code>bon/bon.json</code>: its curves are those of <code>bon/bon_contrastive.json</code>")
                .doesNotContain("<h3>");
        assertThat(bon).contains("<tr><th>n</th><th>KL_bon</th><th>baseline</th><th>flip+margin</th><th>contrastive (simcse-pairs)</th>"
                        + "<th>flip+margin − baseline (p)</th><th>contrastive (simcse-pairs) − baseline (p)</th></tr>",
                "<tr><td>4</td><td>0.636</td><td>0.3000 [0.2500, 0.3500]</td><td>0.3400 [0.2900, 0.3900]</td><td>0.3100 [0.2600, 0.3600]</td>"
                        + "<td>+0.0400 [+0.0100, +0.0700] (0.010)</td><td>+0.0100 [-0.0200, +0.0400] (0.500)</td></tr>",
                "<tr><td>16</td><td>1.835</td><td>0.3500 [0.3000, 0.4000]</td><td>0.4200 [0.3700, 0.4700]</td><td>0.3300 [0.2800, 0.3800]</td>"
                        + "<td>+0.0700 [+0.0200, +0.1200] (0.004)</td><td>-0.0200 [-0.0800, +0.0400] (0.600)</td></tr>");
        assertThat(bon.split("<tr><td>", -1)).hasSize(4);
        assertThat(section(html, "files")).contains("bon/bon.json", "bon/bon_contrastive.json");
    }

    /**
     * {@code beyond_ppo.json} (the hand-written fixture, {@link ReportFixtures#beyondPpo}): table (a) PPO and the critic-free
     * methods per RM, table (b) the DPO variants, the A/A null, one bar per "vs SFT" figure; n/a where the file has no
     * figure; its claims are not drawn again in the claims section. Values from h = 0.2484137711750331: 0.7 ± h =
     * [0.4516, 0.9484], 0.2 ± h = [−0.0484, 0.4484], −0.3 ± h = [−0.5484, −0.0516], 2 ± 10h = [−0.48, 4.48], 0.75 ± h/2 =
     * [0.6258, 0.8742].
     */
    @Test
    void beyondPpoHasBothTablesTheNullAndTheBars(@TempDir Path dir) throws Exception {
        ReportFixtures.experiment(dir);
        ReportFixtures.beyondPpo(dir);
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        assertThat(r.sections()).containsExactly("bon", "claims", "beyond-ppo", "files");
        assertThat(r.filesRead()).contains("beyond_ppo.json");
        String html = Files.readString(r.file());
        String s = section(html, "beyond-ppo");
        assertThat(s).contains("<p>3 seeds (1, 2, 3). Primary figure: paired mean gold difference per prompt (A minus B), k samples per "
                        + "prompt paired by index; mean over seeds [95% t interval]. A/A null (same metric, 3 seeds): +0.0000 [-0.2484, +0.2484], "
                        + "the experiment&#39;s A/A pair judged head to head: PPO(baseline RM, s) vs PPO(baseline RM, s + 1000), same metric.</p>",
                "<tr><td>PPO</td><td>baseline</td><td>+0.5000 [+0.5000, +0.5000]</td><td>(reference)</td><td>3</td>"
                        + "<td>2.00 [2.00, 2.00]</td><td>100.0 [100.0, 100.0]</td><td>2.50 [2.50, 2.50]</td></tr>",
                "<tr><td>PPO</td><td>Flip+Margin</td><td>+0.7000 [+0.4516, +0.9484]</td><td>(reference)</td><td>3</td>"
                        + "<td>2.00 [-0.48, 4.48]</td><td>110.0 [110.0, 110.0]</td><td>n/a</td></tr>",
                "<tr><td>grpo</td><td>baseline</td><td>+0.2000 [-0.0484, +0.4484]</td><td>-0.3000 [-0.5484, -0.0516]</td><td>3</td>"
                        + "<td>1.50 [1.50, 1.50]</td><td>120.0 [120.0, 120.0]</td><td>1.25 [1.25, 1.25]</td></tr>",
                "<tr><td>rloo</td><td>Flip+Margin</td><td>+0.3000</td><td>n/a</td><td>1 / 0</td><td>n/a</td><td>n/a</td><td>n/a</td></tr>",
                "<tr><td>dpo</td><td>+0.3000 [+0.3000, +0.3000]</td><td>-0.3000 [-0.3000, -0.3000]</td><td>0.7500 [0.6258, 0.8742]</td><td>3</td></tr>",
                "<tr><td>ipo</td><td>+0.2000 [-0.0484, +0.4484]</td><td>n/a</td><td>0.6000</td><td>3</td></tr>",
                "Fixed across seeds: the task, SFT, the baseline and Flip+Margin reward models");
        assertThat(s.split("<tr><td>", -1)).as("rows: 4 in (a), 2 in (b)").hasSize(1 + 4 + 2);
        // One bar per vs SFT figure; error bars where the interval has width (PPO Flip+Margin, grpo, ipo).
        List<String> plots = svgs(s);
        assertThat(plots).hasSize(1);
        assertThat(plots.get(0).split("class=\"mark bar\"", -1)).hasSize(7);
        assertThat(plots.get(0).split("class=\"mark error\"", -1)).hasSize(4);
        assertThat(plots.get(0)).contains("vs SFT · grpo, baseline: 0.2000 ± 0.2484", "vs SFT · rloo, Flip+Margin: 0.3000<", ">PPO, baseline<",
                "vs SFT · ipo: 0.2000 ± 0.2484");
        // beyond_ppo.json's comparisons are not in the claims section.
        assertThat(section(html, "claims")).doesNotContain("grpo", "dpo vs SFT");
    }

    /** A beyond_ppo.json with figures missing, null or not numbers: every cell n/a, no plot, no error. */
    @Test
    void beyondPpoWithMissingFiguresShowsNa(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("beyond_ppo.json"), "{\"claims\": [{\"name\": \"grpo (baseline RM) vs SFT\", \"run\": \"grpo-baseline\", "
                + "\"against\": \"sft\", \"mean\": null, \"ci_low\": \"x\"}, {\"name\": \"dpo vs SFT\", \"run\": \"dpo\", \"against\": \"sft\"}], "
                + "\"speed\": [{\"run\": \"grpo-baseline\", \"field\": \"seconds_per_iteration\", \"mean\": \"fast\"}], "
                + "\"implicit_accuracy\": [{\"run\": \"dpo\"}]}");
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        assertThat(r.sections()).containsExactly("beyond-ppo", "files");
        String s = section(Files.readString(r.file()), "beyond-ppo");
        assertThat(s).contains("<p>n/a seeds (n/a).", "A/A null: n/a.</p>",
                "<tr><td>grpo</td><td>baseline</td><td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td></tr>",
                "<tr><td>dpo</td><td>n/a</td><td>n/a</td><td>n/a</td><td>n/a</td></tr>");
        assertThat(svgs(s)).isEmpty();
    }

    /** Best-of-n files whose curves differ (here one gold of the pick) are each drawn, under their file names. */
    @Test
    void bestOfNFilesWithOtherCurvesAreEachDrawn(@TempDir Path dir) throws Exception {
        ReportFixtures.experiment(dir);
        Path f = dir.resolve("bon/bon.json");
        com.fasterxml.jackson.databind.node.ObjectNode bon = (com.fasterxml.jackson.databind.node.ObjectNode) dev.rlhf4j.data.Json.MAPPER.readTree(f.toFile());
        ((com.fasterxml.jackson.databind.node.ObjectNode) bon.path("curves").get(1).path("points").get(2).path("gold")).put("estimate", 0.43);
        dev.rlhf4j.data.Json.write(f, bon);
        String section = section(RunReport.render(dir), "bon");
        assertThat(svgs(section)).hasSize(4);
        assertThat(section).contains("<h3>bon/bon.json</h3>", "<h3>bon/bon_contrastive.json</h3>").doesNotContain("drawn there once");
    }

    /** The hand-written best-of-n file has every field {@code BestOfNCurves.curves} writes (the experiment adds policy). */
    @Test
    void experimentFixtureHasTheWritersShape(@TempDir Path dir) throws Exception {
        ReportFixtures.experiment(dir);
        com.fasterxml.jackson.databind.JsonNode written = dev.rlhf4j.rl.BestOfNCurves.curves(List.of("p0", "p1"),
                List.of(List.of("a", "b"), List.of("c", "d")), new double[][] {{0, 1}, {1, 0}},
                List.of(new dev.rlhf4j.rl.BestOfNCurves.Scores("x", new double[][] {{0, 1}, {1, 0}}),
                        new dev.rlhf4j.rl.BestOfNCurves.Scores("y", new double[][] {{1, 0}, {0, 1}})),
                new int[] {1, 2}, new dev.rlhf4j.eval.stats.ClusterBootstrap(50, 1));
        com.fasterxml.jackson.databind.JsonNode fixture = dev.rlhf4j.data.Json.MAPPER.readTree(dir.resolve("bon/bon.json").toFile());
        assertThat(JsonPaths.of(fixture)).containsAll(JsonPaths.of(written)).contains("policy");
        assertThat(JsonPaths.of(fixture)).hasSize(JsonPaths.of(written).size() + 1);
        com.fasterxml.jackson.databind.JsonNode claim = dev.rlhf4j.rl.ExperimentClaims.claim(new dev.rlhf4j.rl.ExperimentClaims.Comparison(
                "x", "m", new long[] {1, 2}, new double[] {0, 1}, null, "none"));
        com.fasterxml.jackson.databind.JsonNode row = dev.rlhf4j.data.Json.MAPPER.readTree(dir.resolve("claims.json").toFile()).path("mechanism_table").get(0);
        assertThat(JsonPaths.of(row)).isEqualTo(JsonPaths.of(claim));
    }

    @Test
    void showsOnlyWhatTheDirectoryHas(@TempDir Path dir) throws Exception {
        ReportFixtures.curve(dir.resolve("metrics.jsonl"), 20, 0, new java.util.Random(3), false);
        // A half-written last line (a run still going) is skipped and said so.
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"type\":\"train\",\"st", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("broken.json"), "{\"groups\": [");
        RunReport.Result r = RunReport.write(dir, dir.resolve("out").resolve("r.html"));
        assertThat(r.sections()).containsExactly("training", "files");
        String html = Files.readString(r.file());
        assertThat(html).contains("1 unparsable line(s) skipped").contains("broken.json").contains("Not read");
    }

    @Test
    void ppoLogAloneGetsItsSection(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("ppo"));
        Files.writeString(dir.resolve("ppo/metrics.jsonl"), "{\"type\":\"ppo\",\"iteration\":1,\"kl\":0.0,\"rm_reward\":0.1}\n"
                + "{\"type\":\"ppo\",\"iteration\":2,\"kl\":0.02,\"rm_reward\":0.3}\n");
        String html = RunReport.render(dir);
        assertThat(svgs(section(html, "ppo"))).hasSize(2);
        assertThat(html).doesNotContain("id=\"training\"");
    }

    @Test
    void emptyOrMissingDirectoryIsAnError(@TempDir Path dir) {
        assertThatThrownBy(() -> RunReport.write(dir, dir.resolve("r.html"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nothing to report in " + dir);
        assertThatThrownBy(() -> RunReport.write(dir.resolve("nope"), dir.resolve("r.html")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void commandWritesReportHtmlInTheRunDirectory(@TempDir Path dir) throws Exception {
        ReportFixtures.curve(dir.resolve("metrics.jsonl"), 10, 0, new java.util.Random(3), false);
        assertThat(Main.execute("report", dir.toString())).isEqualTo(Main.OK);
        assertThat(dir.resolve("report.html")).exists();
        assertThat(Main.execute("report", dir.resolve("missing").toString())).isEqualTo(Main.BAD_INPUT);
    }

    static String section(String html, String id) {
        Matcher m = Pattern.compile("<section class=\"report-section\" id=\"" + id + "\">(.*?)</section>", Pattern.DOTALL).matcher(html);
        assertThat(m.find()).as("section " + id).isTrue();
        return m.group(1);
    }

    static List<String> svgs(String html) {
        return Pattern.compile("<svg .*?</svg>", Pattern.DOTALL).matcher(html).results().map(java.util.regex.MatchResult::group).toList();
    }
}
