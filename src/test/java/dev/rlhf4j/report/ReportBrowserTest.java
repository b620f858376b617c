package dev.rlhf4j.report;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The report in a real browser (Debian's headless chromium through chromedriver): every section of
 * a full run renders its plots with visible marks, and the page logs no console error.
 */
@Tag("slow") // slow tier: a real Chromium
class ReportBrowserTest {
    static final String CHROMIUM = "/usr/bin/chromium", CHROMEDRIVER = "/usr/bin/chromedriver";
    static ChromeDriver driver;
    /** Selenium warns when the browser is newer than its bundled DevTools bindings, which this test does not use. */
    static final java.util.logging.Logger CDP_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools");
    @TempDir static Path profile;

    @BeforeAll
    static void start() {
        CDP_LOG.setLevel(Level.SEVERE);
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            fail("the report's browser test needs " + CHROMIUM + " and " + CHROMEDRIVER
                    + ": install the Debian packages with `apt-get install -y chromium chromium-driver` (.ci/run does)");
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1400,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
    }

    @Test
    void everyPlotRendersWithoutConsoleErrors(@TempDir Path dir) throws Exception {
        ReportFixtures.fullRun(dir);
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        driver.get(r.file().toUri().toString());
        assertThat(driver.getTitle()).startsWith("rlhf4j report");
        JavascriptExecutor js = driver;
        for (String id : RunReport.SECTIONS) plotsDrawn(id);
        // The hostile variant name is shown as text, not run.
        assertThat(driver.findElement(By.id("variants")).getText()).contains("flip<script>alert(1)</script>");
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertThat(severe).as("console errors").isEmpty();
        // The log is really read: an error logged now shows up.
        js.executeScript("console.error('rlhf4j-probe')");
        assertThat(driver.manage().logs().get(LogType.BROWSER).getAll()).anyMatch(e -> e.getMessage().contains("rlhf4j-probe")
                && e.getLevel().intValue() >= Level.SEVERE.intValue());
    }

    /**
     * An experiment's directory (mechanism table, three best-of-n curves in bon_contrastive.json beside bon.json's two): the
     * claims section shows the mechanism table's rows and its accuracy bars, the best-of-n section one chart of the three
     * curves and one of their differences, every plot with visible marks, no console error.
     */
    @Test
    void experimentMechanismTableAndBestOfNRender(@TempDir Path dir) throws Exception {
        ReportFixtures.experiment(dir);
        RunReport.Result r = RunReport.write(dir, dir.resolve("report.html"));
        driver.get(r.file().toUri().toString());
        for (String id : List.of("bon", "claims")) plotsDrawn(id);
        WebElement mech = driver.findElement(By.cssSelector("#claims table.mechanism"));
        assertThat(mech.isDisplayed()).isTrue();
        List<WebElement> rows = mech.findElements(By.tagName("tr"));
        assertThat(rows).hasSize(1 + 9);
        assertThat(rows.get(1).getText()).contains("baseline RM, SFT samples (first snapshot)", "0.6800 [0.6303, 0.7297]");
        assertThat(rows.get(9).getText()).contains("round 2: MetaRM minus eta-0 (same pairs)", "+0.0100 [-0.0894, +0.1094]");
        assertThat(driver.findElement(By.cssSelector("#claims table.fixed-bon")).getText())
                .contains("contrastive (simcse-pairs) − baseline", "-0.0200 [-0.0800, +0.0400]");
        List<WebElement> bon = driver.findElement(By.id("bon")).findElements(By.cssSelector("svg.plot"));
        assertThat(bon).hasSize(2);
        assertThat(bon.get(0).findElements(By.cssSelector("path.band"))).hasSize(3);
        assertThat(bon.get(0).findElements(By.cssSelector("text.legend"))).hasSize(3);
        assertThat(bon.get(0).findElements(By.cssSelector("path.mark > title"))).extracting(e -> e.getAttribute("textContent"))
                .containsExactly("baseline", "flip+margin", "contrastive (simcse-pairs)");
        assertThat(bon.get(1).findElements(By.cssSelector("path.band"))).hasSize(2);
        List<LogEntry> severe = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertThat(severe).as("console errors").isEmpty();
    }

    /** Section {@code id} is displayed and each of its plots was laid out with data marks covering a real area. */
    private static void plotsDrawn(String id) {
        JavascriptExecutor js = driver;
        WebElement section = driver.findElement(By.id(id));
        assertThat(section.isDisplayed()).as(id).isTrue();
        if (id.equals("files") || id.equals("overview")) return;
        List<WebElement> svgs = section.findElements(By.cssSelector("svg.plot"));
        assertThat(svgs).as("plots in " + id).isNotEmpty();
        for (WebElement svg : svgs) {
            // The browser laid the plot out and its data marks cover a real area.
            @SuppressWarnings("unchecked")
            Map<String, Object> box = (Map<String, Object>) js.executeScript(
                    "const s = arguments[0]; const marks = s.querySelectorAll('.mark'); let w = 0, h = 0;"
                            + "for (const m of marks) { const b = m.getBBox(); w = Math.max(w, b.width); h = Math.max(h, b.height); }"
                            + "const r = s.getBoundingClientRect();"
                            + "return {marks: marks.length, w: w, h: h, width: r.width, height: r.height};", svg);
            String what = id + " / " + svg.getAttribute("aria-label");
            assertThat(((Number) box.get("marks")).intValue()).as(what).isGreaterThan(0);
            assertThat(((Number) box.get("width")).doubleValue()).as(what).isGreaterThan(100);
            assertThat(((Number) box.get("height")).doubleValue()).as(what).isGreaterThan(100);
            assertThat(((Number) box.get("w")).doubleValue() + ((Number) box.get("h")).doubleValue()).as(what).isGreaterThan(1);
        }
    }
}
