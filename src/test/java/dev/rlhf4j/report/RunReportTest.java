package dev.rlhf4j.report;

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
                "eval-baseline-rm.json", "eval-simcse-rm.json", "ppo/metrics.jsonl", "bon/bon.json", "bon/rm_on_policy.json", "bon/judge.json", "bon/claims.json");
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
        assertThat(section(html, "bon").split("class=\"band\"", -1)).hasSize(4);
        assertThat(section(html, "judge")).contains("0.1200 [0.0200, 0.2200]", "50.0% [41.0, 59.0]", "+10.0 [-6.0, +26.0] pts");
        assertThat(section(html, "rm-on-policy")).contains("good-rm", "Kendall", "(p ");
        // Claims: the best-of-n differences fixed across seeds and the contrastive choice.
        assertThat(section(html, "claims")).contains("best-of-16 from SFT: contrastive (simcse-pairs) minus baseline", "+0.0310 [-0.0120, +0.0740]",
                "Contrastive RM: simcse-pairs, chosen by accuracy on the validation pairs");
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
