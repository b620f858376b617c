package dev.rlhf4j.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.strength.StrengthEstimator;
import dev.rlhf4j.strength.StrengthSummary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One self-contained HTML page (inline SVG and CSS, nothing fetched) for a run directory: each
 * section appears only when the files it needs are there, and the page lists the files it read.
 *
 * <p>Sections: the demo's headline; preference strength (histogram of μ̂, σ̂ against μ̂ over the 20
 * groups — the paper's Fig. 2); label–gold agreement per group; the reward-model variants with
 * their intervals; training curves; the decile experiment; contrastive separation; PPO curves; judged comparisons;
 * best-of-n curves (a file whose curves another holds, as {@code experiment}'s {@code bon_contrastive.json} holds
 * {@code bon.json}'s, drawn once); reward models on policy samples; an experiment's claims with its mechanism table;
 * beyond PPO ({@code beyond_ppo.json}: critic-free methods against each reward model and the DPO variants, over seeds).
 */
public final class RunReport {
    private RunReport() {}

    /** Ids of the sections, in page order (the browser test checks each one that a run should have). */
    public static final List<String> SECTIONS = List.of("overview", "strength", "agreement", "variants", "training",
            "deciles", "representations", "ppo", "judge", "bon", "rm-on-policy", "claims", "beyond-ppo", "files");

    /** What was written: the page, the sections it has, and the files it read. */
    public record Result(Path file, List<String> sections, List<String> filesRead) {}

    /** Renders {@code runDir} to {@code out} (atomically). */
    public static Result write(Path runDir, Path out) throws IOException {
        RunFiles files = RunFiles.scan(runDir);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("nothing to report in " + runDir + ": no summary.json, strength.json(l), "
                    + "metrics.jsonl, deciles or eval-rm --representations JSON, or PPO metrics within " + RunFiles.DEPTH
                    + " levels" + (files.unread.isEmpty() ? "" : "; unreadable: " + files.unread.get(0).file() + " ("
                    + files.unread.get(0).reason() + ")"));
        }
        Page page = new Page(files, runDir);
        String html = page.render();
        Json.writeAtomically(out, html.getBytes(StandardCharsets.UTF_8));
        return new Result(out, List.copyOf(page.sections.keySet()), List.copyOf(page.used.keySet()));
    }

    /** The HTML of a run directory's report. */
    public static String render(Path runDir) {
        return new Page(RunFiles.scan(runDir), runDir).render();
    }

    private static final class Page {
        final RunFiles files;
        final Path dir;
        /** Section id → (title, HTML body). */
        final Map<String, String[]> sections = new LinkedHashMap<>();
        /** File shown → what it was used for. */
        final Map<String, Set<String>> used = new LinkedHashMap<>();

        Page(RunFiles files, Path dir) {
            this.files = files;
            this.dir = dir;
        }

        void use(Path f, String section) {
            used.computeIfAbsent(files.rel(f), k -> new LinkedHashSet<>()).add(section);
        }

        String render() {
            overview();
            strength();
            variants();
            training();
            deciles();
            representations();
            ppo();
            judgings();
            bestOfN();
            rmOnPolicy();
            claims();
            beyondPpo();
            filesRead();
            StringBuilder b = new StringBuilder();
            String name = dir.toAbsolutePath().normalize().getFileName() == null ? dir.toString()
                    : dir.toAbsolutePath().normalize().getFileName().toString();
            b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                    .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                    .append("<title>rlhf4j report: ").append(esc(name)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
                    .append("<header><h1>rlhf4j run report: ").append(esc(name)).append("</h1>\n<p class=\"meta\">")
                    .append(esc(dir.toAbsolutePath().normalize().toString())).append(" · generated ")
                    .append(esc(ZonedDateTime.now().withNano(0).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)))
                    .append(" by rlhf4j ").append(esc(Provenance.version())).append("</p>\n<nav>");
            for (var e : sections.entrySet()) {
                b.append("<a href=\"#").append(e.getKey()).append("\">").append(esc(e.getValue()[0])).append("</a> ");
            }
            b.append("</nav></header>\n<main>\n");
            for (var e : sections.entrySet()) {
                b.append("<section class=\"report-section\" id=\"").append(e.getKey()).append("\">\n<h2>")
                        .append(esc(e.getValue()[0])).append("</h2>\n").append(e.getValue()[1]).append("</section>\n");
            }
            b.append("</main>\n</body>\n</html>\n");
            return b.toString();
        }

        // ---- sections ----

        void overview() {
            if (files.demoSummaries.isEmpty()) return;
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.demoSummaries) {
                JsonNode s = d.json(), c = s.path("config"), st = s.path("strength");
                use(d.file(), "overview");
                if (files.demoSummaries.size() > 1) b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n");
                b.append("<p>Controlled task: ").append(c.path("train_pairs").asInt()).append(" training pairs with ")
                        .append(pct(c.path("flip_rate").asDouble(), 0)).append(" of labels flipped on purpose, ")
                        .append(c.path("test_pairs").asInt()).append(" clean test pairs; strength from ")
                        .append(c.path("members").asInt()).append(" members on ").append(esc(c.path("backbone").asText()))
                        .append(" (seed ").append(esc(c.path("seed").asText())).append(").</p>\n<ul class=\"facts\">\n");
                fact(b, "pairs with μ̂ < 0", pct(st.path("fraction_negative").asDouble(), 1));
                fact(b, "finding flipped labels by low μ̂ (ROC AUC)", f3(st.path("flip_auc").asDouble()));
                fact(b, "pairs flipped by denoising (of them flipped on purpose)",
                        s.path("denoise_flipped").asInt() + " (" + s.path("denoise_flipped_correctly").asInt() + ")");
                fact(b, "training labels agreeing with gold, given → after flipping",
                        pct(s.path("label_gold_agreement_given").asDouble(), 1) + " → "
                                + pct(s.path("label_gold_agreement_flipped").asDouble(), 1));
                fact(b, "wall time", duration(s.path("wall_seconds").asDouble()));
                b.append("</ul>\n");
                String cmd = s.path("provenance").path("command").asText("");
                JsonNode args = s.path("provenance").path("args");
                if (!cmd.isEmpty()) {
                    // The recorded arguments may start with the subcommand itself.
                    b.append("<p class=\"meta\">command: <code>rlhf4j");
                    if (!args.path(0).asText().equals(cmd)) b.append(' ').append(esc(cmd));
                    for (JsonNode a : args) b.append(' ').append(esc(a.asText()));
                    b.append("</code></p>\n");
                }
            }
            section("overview", "Overview", b.toString());
        }

        void strength() {
            // One block per directory: the summary (strength.json, else the demo summary's copy, else computed from
            // the per-pair file) and the per-pair file where there is one.
            Map<Path, JsonNode> summaries = new LinkedHashMap<>();
            Map<Path, Path> summaryFile = new LinkedHashMap<>();
            Map<Path, RunFiles.Lines> pairs = new LinkedHashMap<>();
            for (RunFiles.Doc d : files.strengthSummaries) {
                summaries.put(d.file().getParent(), d.json());
                summaryFile.put(d.file().getParent(), d.file());
            }
            for (RunFiles.Doc d : files.demoSummaries) {
                if (RunFiles.isStrengthSummary(d.json().path("strength")) && !summaries.containsKey(d.file().getParent())) {
                    summaries.put(d.file().getParent(), d.json().path("strength"));
                    summaryFile.put(d.file().getParent(), d.file());
                }
            }
            for (RunFiles.Lines l : files.strengthPairs) pairs.put(l.file().getParent(), l);
            Set<Path> dirs = new LinkedHashSet<>(summaries.keySet());
            dirs.addAll(pairs.keySet());
            StringBuilder sb = new StringBuilder(), ab = new StringBuilder();
            for (Path d : dirs) {
                RunFiles.Lines l = pairs.get(d);
                double[] mu = null, sigma = null;
                boolean[] flipped = null, agrees = null;
                if (l != null) {
                    int n = l.records().size();
                    mu = new double[n];
                    sigma = new double[n];
                    boolean hasFlip = n > 0 && l.records().get(0).has("flipped");
                    boolean hasGold = n > 0 && l.records().get(0).has("gold_chosen") && l.records().get(0).has("gold_rejected");
                    flipped = hasFlip ? new boolean[n] : null;
                    agrees = hasGold ? new boolean[n] : null;
                    for (int i = 0; i < n; i++) {
                        JsonNode r = l.records().get(i);
                        mu[i] = r.path(StrengthEstimator.MEAN).asDouble(Double.NaN);
                        sigma[i] = r.path(StrengthEstimator.STD).asDouble(Double.NaN);
                        if (hasFlip) flipped[i] = r.path("flipped").asBoolean();
                        if (hasGold) agrees[i] = r.path("gold_chosen").asDouble() > r.path("gold_rejected").asDouble();
                    }
                }
                JsonNode summary = summaries.get(d);
                if (summary == null && mu != null) summary = StrengthSummary.of(mu, sigma, flipped, agrees);
                String where = dirs.size() > 1 ? "<h3>" + esc(files.rel(d)) + "</h3>\n" : "";
                sb.append(where).append("<div class=\"plots\">\n");
                if (mu != null) {
                    use(l.file(), "strength");
                    List<Svg.Values> comp = new ArrayList<>();
                    if (flipped != null) {
                        comp.add(new Svg.Values("labels as generated", select(mu, flipped, false)));
                        comp.add(new Svg.Values("flipped on purpose", select(mu, flipped, true)));
                    } else {
                        comp.add(new Svg.Values("pairs", mu));
                    }
                    sb.append(Svg.histogram("Preference strength μ̂ (" + mu.length + " pairs)", "μ̂ = mean reward difference", comp, 40));
                }
                if (summary != null) {
                    if (summaryFile.containsKey(d)) use(summaryFile.get(d), "strength");
                    double[] gm = column(summary.path("groups"), "mean_mu"), gs = column(summary.path("groups"), "mean_sigma");
                    List<Svg.Series> series = new ArrayList<>();
                    if (mu != null) series.add(new Svg.Series("pairs", mu, sigma, Svg.Style.POINTS, true));
                    series.add(new Svg.Series("20 groups by μ̂ (mean)", gm, gs, Svg.Style.LINE_POINTS, false));
                    sb.append(Svg.xy("σ̂ against μ̂ over the 20 groups (paper Fig. 2)", "mean μ̂", "mean σ̂", series));
                }
                sb.append("</div>\n");
                if (summary != null) {
                    sb.append("<p>").append(pct(summary.path("fraction_negative").asDouble(), 1)).append(" of ")
                            .append(summary.path("n").asInt()).append(" pairs have μ̂ &lt; 0.");
                    if (summary.has("flip_auc")) {
                        sb.append(" Low μ̂ finds the ").append(summary.path("flipped").asInt())
                                .append(" labels flipped on purpose with ROC AUC ").append(f3(summary.path("flip_auc").asDouble()))
                                .append("; μ̂ &lt; 0 flags them with precision ").append(f3(summary.path("flip_precision_mu_negative").asDouble()))
                                .append(" and recall ").append(f3(summary.path("flip_recall_mu_negative").asDouble())).append('.');
                    }
                    sb.append("</p>\n");
                    JsonNode g = summary.path("groups");
                    if (g.size() > 0 && g.get(0).has("label_agrees_with_gold")) {
                        List<String> cats = new ArrayList<>();
                        for (JsonNode row : g) cats.add(row.path("group").asText());
                        List<Svg.Bars> bars = new ArrayList<>();
                        bars.add(new Svg.Bars("label matches gold", column(g, "label_agrees_with_gold"), null));
                        if (g.get(0).has("flipped_fraction")) bars.add(new Svg.Bars("flipped on purpose", column(g, "flipped_fraction"), null));
                        ab.append(where).append("<div class=\"plots\">\n")
                                .append(Svg.bars("Share of each μ̂ group (1 = lowest μ̂)", "share of pairs", cats, bars, Double.NaN))
                                .append("</div>\n");
                        if (summary.has("wrong_label_auc")) {
                            ab.append("<p>Low μ̂ finds the labels that disagree with gold with ROC AUC ")
                                    .append(f3(summary.path("wrong_label_auc").asDouble())).append(".</p>\n");
                        }
                        if (summaryFile.containsKey(d)) use(summaryFile.get(d), "agreement");
                    }
                }
            }
            if (!dirs.isEmpty()) section("strength", "Preference strength", sb.toString());
            if (ab.length() > 0) section("agreement", "Label–gold agreement by strength group", ab.toString());
        }

        void variants() {
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.demoSummaries) {
                use(d.file(), "variants");
                JsonNode rows = d.json().path("variants");
                List<String> names = new ArrayList<>();
                double[] acc = new double[rows.size()], ci = new double[rows.size()];
                List<String> vsNames = new ArrayList<>();
                List<Double> vs = new ArrayList<>(), vsCi = new ArrayList<>();
                double baseline = Double.NaN;
                for (int i = 0; i < rows.size(); i++) {
                    JsonNode r = rows.get(i);
                    names.add(r.path("variant").asText());
                    acc[i] = r.path("gold_accuracy_test").asDouble(Double.NaN);
                    ci[i] = r.path("test").path("accuracy_ci95").asDouble(Double.NaN);
                    if (r.path("variant").asText().equals("baseline")) baseline = acc[i];
                    if (r.has("test_vs_baseline")) {
                        vsNames.add(r.path("variant").asText());
                        vs.add(100 * r.path("test_vs_baseline").path("accuracy_difference").asDouble(Double.NaN));
                        vsCi.add(100 * r.path("test_vs_baseline").path("ci95").asDouble(Double.NaN));
                    }
                }
                if (files.demoSummaries.size() > 1) b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n");
                b.append("<div class=\"plots\">\n").append(Svg.bars("Gold accuracy on the clean test pairs (± 95%)",
                        "gold accuracy", names, List.of(new Svg.Bars("gold accuracy", acc, ci)), baseline));
                if (!vs.isEmpty()) {
                    b.append(Svg.bars("Minus the baseline, on the same pairs (points, ± 95%)", "accuracy difference (points)",
                            vsNames, List.of(new Svg.Bars("difference", unbox(vs), unbox(vsCi))), 0));
                }
                b.append("</div>\n<table>\n<tr><th>reward model</th><th>loss</th><th>trained on</th><th>gold acc (test)</th>"
                        + "<th>vs baseline</th><th>gold acc (valid)</th><th>label acc (valid)</th><th>train time</th></tr>\n");
                for (JsonNode r : rows) {
                    JsonNode v = r.path("test_vs_baseline");
                    b.append("<tr><td>").append(esc(r.path("variant").asText())).append("</td><td>").append(esc(r.path("loss").asText()))
                            .append("</td><td>").append(esc(r.path("train_data").asText())).append("</td><td>")
                            .append(f4(r.path("gold_accuracy_test").asDouble(Double.NaN))).append(" ±")
                            .append(f4(r.path("test").path("accuracy_ci95").asDouble(Double.NaN))).append("</td><td>")
                            .append(v.isMissingNode() ? "" : String.format(Locale.ROOT, "%+.1f ±%.1f pts",
                                    100 * v.path("accuracy_difference").asDouble(), 100 * v.path("ci95").asDouble()))
                            .append("</td><td>").append(f4(r.path("gold_accuracy_valid").asDouble(Double.NaN))).append("</td><td>")
                            .append(f4(r.path("given_accuracy_valid").asDouble(Double.NaN))).append("</td><td>")
                            .append(duration(r.path("train_seconds").asDouble(Double.NaN))).append("</td></tr>\n");
                }
                b.append("</table>\n<p class=\"note\">The intervals cover the sampling of the test pairs only, not the spread "
                        + "between training runs; the dashed line is the baseline.</p>\n");
            }
            if (b.length() > 0) section("variants", "Reward models against the gold reward", b.toString());
        }

        void training() {
            if (files.trainCurves.isEmpty()) return;
            List<Svg.Series> loss = new ArrayList<>(), acc = new ArrayList<>(), cl = new ArrayList<>(), eval = new ArrayList<>();
            // A demo's curves in the order of its comparison (baseline first), other files after them by path.
            List<String> order = new ArrayList<>();
            for (RunFiles.Doc d : files.demoSummaries) for (JsonNode r : d.json().path("variants")) order.add(r.path("variant").asText());
            List<RunFiles.Lines> curves = new ArrayList<>(files.trainCurves);
            curves.sort(java.util.Comparator.comparingInt((RunFiles.Lines l) -> {
                int i = order.indexOf(curveName(l.file()));
                return i < 0 ? Integer.MAX_VALUE : i;
            }));
            for (RunFiles.Lines l : curves) {
                use(l.file(), "training");
                List<JsonNode> recs = sinceLastStart(l.records());
                String name = curveName(l.file());
                List<JsonNode> train = recs.stream().filter(r -> r.path("type").asText().equals("train")).toList();
                double[] step = field(train, "step");
                int w = Math.max(1, train.size() / 10);
                loss.add(Svg.Series.line(name, step, smooth(field(train, "loss"), w)));
                if (!train.isEmpty() && train.get(0).has("accuracy")) {
                    acc.add(Svg.Series.line(name, step, smooth(field(train, "accuracy"), w)));
                }
                if (!train.isEmpty() && train.get(0).has("contrastive_loss")) {
                    cl.add(Svg.Series.line(name, step, smooth(field(train, "contrastive_loss"), w)));
                }
                List<JsonNode> ev = recs.stream().filter(r -> r.path("type").asText().equals("eval")).toList();
                if (!ev.isEmpty() && ev.get(0).has("accuracy")) eval.add(new Svg.Series(name, field(ev, "step"), field(ev, "accuracy"), Svg.Style.LINE_POINTS, false));
            }
            StringBuilder b = new StringBuilder("<div class=\"plots\">\n");
            b.append(Svg.line("Training loss (running mean)", "optimizer step", "loss", loss));
            if (!acc.isEmpty()) b.append(Svg.line("Training batch accuracy (running mean)", "optimizer step", "accuracy", acc));
            if (!cl.isEmpty()) b.append(Svg.line("Contrastive loss (running mean)", "optimizer step", "L_cl", cl));
            if (!eval.isEmpty()) b.append(Svg.line("Validation accuracy", "optimizer step", "accuracy", eval));
            b.append("</div>\n<p class=\"note\">Per-step values averaged over a trailing window of a tenth of each run.</p>\n");
            section("training", "Training curves", b.toString());
        }

        void deciles() {
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.deciles) {
                use(d.file(), "deciles");
                JsonNode rows = d.json().path("rows");
                List<String> cats = new ArrayList<>();
                for (JsonNode r : rows) cats.add(r.path("decile").asText());
                List<Svg.Bars> bars = new ArrayList<>();
                bars.add(new Svg.Bars("accuracy (± 95%)", column(rows, "accuracy"), column(rows, "accuracy_ci95")));
                boolean gold = rows.get(0).has("gold_accuracy");
                if (gold) bars.add(new Svg.Bars("gold accuracy", column(rows, "gold_accuracy"), null));
                b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n<div class=\"plots\">\n")
                        .append(Svg.bars("One reward model per μ̂ decile (1 = lowest), on " + d.json().path("valid_pairs").asInt()
                                + " validation pairs", "accuracy", cats, bars, 0.5))
                        .append("</div>\n<table>\n<tr><th>decile</th><th>pairs</th><th>μ̂ range</th><th>accuracy</th>")
                        .append(gold ? "<th>gold accuracy</th>" : "").append("</tr>\n");
                for (JsonNode r : rows) {
                    b.append("<tr><td>").append(r.path("decile").asInt()).append("</td><td>").append(r.path("count").asInt())
                            .append("</td><td>").append(f3(r.path("min_mu").asDouble())).append(" … ").append(f3(r.path("max_mu").asDouble()))
                            .append("</td><td>").append(f4(r.path("accuracy").asDouble())).append(" ±").append(f4(r.path("accuracy_ci95").asDouble()))
                            .append("</td>").append(gold ? "<td>" + f4(r.path("gold_accuracy").asDouble()) + "</td>" : "").append("</tr>\n");
                }
                b.append("</table>\n");
            }
            if (b.length() > 0) section("deciles", "Decile experiment", b.toString());
        }

        void representations() {
            if (files.representations.isEmpty()) return;
            List<String> names = new ArrayList<>();
            int n = files.representations.size();
            double[] cos = new double[n], cosStd = new double[n], auc = new double[n];
            StringBuilder t = new StringBuilder("<table>\n<tr><th>file</th><th>model</th><th>pairs</th><th>mean cos(chosen, rejected)</th>"
                    + "<th>probe ROC AUC</th><th>probe accuracy</th></tr>\n");
            for (int i = 0; i < n; i++) {
                RunFiles.Doc d = files.representations.get(i);
                use(d.file(), "representations");
                JsonNode r = d.json().path("representations");
                String name = files.rel(d.file()).replaceAll("\\.json$", "");
                names.add(name);
                cos[i] = r.path("mean_cosine").asDouble(Double.NaN);
                cosStd[i] = r.path("cosine_std").asDouble(Double.NaN);
                auc[i] = r.path("probe_auc").asDouble(Double.NaN);
                String model = modelOf(d.json());
                t.append("<tr><td>").append(esc(name)).append("</td><td>").append(esc(model)).append("</td><td>")
                        .append(r.path("n").asInt()).append("</td><td>").append(f3(cos[i])).append(" (std ").append(f3(cosStd[i]))
                        .append(")</td><td>").append(f3(auc[i])).append("</td><td>").append(f3(r.path("probe_accuracy").asDouble(Double.NaN)))
                        .append("</td></tr>\n");
            }
            String b = "<div class=\"plots\">\n"
                    + Svg.bars("Mean cosine of chosen and rejected representations (± std over pairs)", "cosine", names,
                    List.of(new Svg.Bars("mean cosine", cos, cosStd)), Double.NaN)
                    + Svg.bars("Held-out ROC AUC of a logistic probe (chosen vs rejected)", "ROC AUC", names,
                    List.of(new Svg.Bars("probe AUC", auc, null)), 0.5)
                    + "</div>\n" + t + "</table>\n<p class=\"note\">Lower cosine: the model keeps the two responses' "
                    + "representations further apart; the probe says whether they are also easier to tell apart.</p>\n";
            section("representations", "Contrastive separation", b);
        }

        void ppo() {
            if (files.ppoCurves.isEmpty()) return;
            Map<String, List<Svg.Series>> byField = new LinkedHashMap<>();
            for (String f : List.of("rm_reward", "gold_reward", "kl", "ppl")) byField.put(f, new ArrayList<>());
            for (RunFiles.Lines l : files.ppoCurves) {
                use(l.file(), "ppo");
                String name = curveName(l.file());
                List<JsonNode> recs = l.records();
                double[] x = field(recs, "iteration");
                for (var e : byField.entrySet()) {
                    if (recs.stream().anyMatch(r -> r.has(e.getKey()))) e.getValue().add(Svg.Series.line(name, x, field(recs, e.getKey())));
                }
            }
            Map<String, String[]> titles = Map.of("rm_reward", new String[] {"Reward-model reward", "RM reward"},
                    "gold_reward", new String[] {"Gold reward", "gold reward"}, "kl", new String[] {"KL from the reference policy", "KL"},
                    "ppl", new String[] {"Perplexity", "perplexity"});
            StringBuilder b = new StringBuilder("<div class=\"plots\">\n");
            for (var e : byField.entrySet()) {
                if (e.getValue().isEmpty()) continue;
                String[] t = titles.get(e.getKey());
                b.append(Svg.line(t[0], "iteration", t[1], e.getValue()));
            }
            b.append("</div>\n");
            section("ppo", "PPO", b.toString());
        }

        void judgings() {
            if (files.judgings.isEmpty()) return;
            List<String> names = new ArrayList<>();
            List<Double> diff = new ArrayList<>(), err = new ArrayList<>();
            StringBuilder t = new StringBuilder("<table>\n<tr><th>comparison</th><th>judge</th><th>prompts × k</th>"
                    + "<th>mean difference A − B</th><th>win</th><th>tie</th><th>lose</th><th>win − lose</th><th>identical</th></tr>\n");
            for (RunFiles.Doc d : files.judgings) {
                use(d.file(), "judge");
                JsonNode r = d.json(), m = r.path("mean_difference");
                String name = files.rel(d.file().getParent() == null ? d.file() : d.file().getParent());
                names.add(name);
                diff.add(m.path("estimate").asDouble(Double.NaN));
                err.add(Math.max(m.path("ci_high").asDouble(Double.NaN) - m.path("estimate").asDouble(Double.NaN),
                        m.path("estimate").asDouble(Double.NaN) - m.path("ci_low").asDouble(Double.NaN)));
                t.append("<tr><td>").append(esc(name)).append(": ").append(esc(r.path("a").asText())).append(" vs ")
                        .append(esc(r.path("b").asText())).append("</td><td>").append(esc(r.path("judge").asText())).append("</td><td>")
                        .append(r.path("distinct_prompts").asInt()).append(" × ").append(r.path("samples_per_prompt").asInt(1))
                        .append("</td><td>").append(interval(m)).append("</td>");
                for (String k : List.of("win", "tie", "lose")) {
                    JsonNode i = r.path(k + "_interval");
                    t.append("<td>").append(String.format(Locale.ROOT, "%.1f%% [%.1f, %.1f]", 100 * r.path(k).asDouble(Double.NaN),
                            100 * i.path("ci_low").asDouble(Double.NaN), 100 * i.path("ci_high").asDouble(Double.NaN))).append("</td>");
                }
                JsonNode wl = r.path("win_minus_lose");
                t.append("<td>").append(String.format(Locale.ROOT, "%+.1f [%+.1f, %+.1f] pts", 100 * wl.path("estimate").asDouble(Double.NaN),
                        100 * wl.path("ci_low").asDouble(Double.NaN), 100 * wl.path("ci_high").asDouble(Double.NaN))).append("</td><td>")
                        .append(pct(r.path("identical_answers").asDouble(Double.NaN), 1)).append("</td></tr>\n");
            }
            String b = "<div class=\"plots\">\n" + Svg.bars("Mean score difference A − B per prompt (± 95% over prompts)",
                    "score difference", names, List.of(new Svg.Bars("A − B", unbox(diff), unbox(err))), 0) + "</div>\n" + t
                    + "</table>\n<p class=\"note\">Both policies answer every prompt k times with paired seeds; intervals from a "
                    + "bootstrap over distinct prompts; the error bar is the longer side of the interval.</p>\n";
            section("judge", "Judged comparisons", b);
        }

        void bestOfN() {
            StringBuilder b = new StringBuilder();
            List<RunFiles.Doc> drawn = new ArrayList<>();
            StringBuilder same = new StringBuilder();
            for (RunFiles.Doc d : files.bestOfN) {
                use(d.file(), "bon");
                RunFiles.Doc by = null;
                for (RunFiles.Doc o : files.bestOfN) if (o != d && subsumes(o.json(), d.json(), files.bestOfN.indexOf(o) < files.bestOfN.indexOf(d))) by = o;
                if (by == null) drawn.add(d);
                else same.append("<p class=\"note\"><code>").append(esc(files.rel(d.file()))).append("</code>: its curves are those of <code>")
                        .append(esc(files.rel(by.file()))).append("</code> (the same samples and picks), drawn there once.</p>\n");
            }
            for (RunFiles.Doc d : drawn) {
                JsonNode r = d.json();
                List<Svg.Band> bands = new ArrayList<>(), diffs = new ArrayList<>();
                JsonNode curves = r.path("curves");
                String first = curves.path(0).path("reward_model").asText();
                StringBuilder t = new StringBuilder("<table>\n<tr><th>n</th><th>KL_bon</th>");
                for (JsonNode c : curves) {
                    bands.add(band(c.path("reward_model").asText(), c.path("points"), "gold"));
                    t.append("<th>").append(esc(c.path("reward_model").asText())).append("</th>");
                }
                for (JsonNode c : curves) {
                    if (!c.path("points").path(0).path("gold_minus_first").isObject()) continue;
                    diffs.add(band(c.path("reward_model").asText() + " − " + first, c.path("points"), "gold_minus_first"));
                    t.append("<th>").append(esc(c.path("reward_model").asText() + " − " + first)).append(" (p)</th>");
                }
                t.append("</tr>\n");
                JsonNode ns = r.path("n");
                for (int k = 0; k < ns.size(); k++) {
                    t.append("<tr><td>").append(ns.get(k).asInt()).append("</td><td>").append(f3(r.path("kl_bon").path(k).asDouble(Double.NaN)))
                            .append("</td>");
                    for (JsonNode c : curves) t.append("<td>").append(interval(c.path("points").path(k).path("gold"))).append("</td>");
                    for (JsonNode c : curves) {
                        JsonNode g = c.path("points").path(k).path("gold_minus_first");
                        if (!c.path("points").path(0).path("gold_minus_first").isObject()) continue;
                        t.append("<td>").append(seedInterval(g, "estimate", "ci_low", "ci_high")).append(" (")
                                .append(f3(g.path("p_bootstrap").asDouble(Double.NaN))).append(")</td>");
                    }
                    t.append("</tr>\n");
                }
                if (drawn.size() > 1) b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n");
                b.append("<div class=\"plots\">\n").append(Svg.bands("Gold reward of the best-of-n pick (± 95% over prompts)",
                        "KL_bon = log n − (n − 1)/n (nats)", "gold reward", bands));
                if (!diffs.isEmpty()) {
                    b.append(Svg.bands("Minus " + first + ", same prompts (± 95% over prompts)", "KL_bon = log n − (n − 1)/n (nats)",
                            "gold difference", diffs));
                }
                b.append("</div>\n").append(t).append("</table>\n")
                        .append("<p class=\"note\">").append(r.path("prompts").asInt()).append(" prompts, ")
                        .append(r.path("samples_per_prompt").asInt()).append(" samples each from ").append(esc(r.path("policy").asText()))
                        .append("; every n is the exact expectation over all n-subsets of those samples, so the curves rank the same "
                                + "answers. A reward model that is not over-optimised keeps rising with n; \"gold\" is the oracle.");
                if (!diffs.isEmpty()) b.append(" Differences from ").append(esc(first)).append(" are paired over prompts (p: two-sided bootstrap).");
                b.append("</p>\n");
            }
            b.append(same);
            if (!drawn.isEmpty()) section("bon", "Best-of-n against KL", b.toString());
        }

        /** A curve of {@code bon.json} as a band: {@code field}'s estimate and interval against KL_bon. */
        private static Svg.Band band(String name, JsonNode pts, String field) {
            double[] x = new double[pts.size()], y = new double[pts.size()], lo = new double[pts.size()], hi = new double[pts.size()];
            for (int i = 0; i < pts.size(); i++) {
                x[i] = pts.get(i).path("kl_bon").asDouble(Double.NaN);
                y[i] = pts.get(i).path(field).path("estimate").asDouble(Double.NaN);
                lo[i] = pts.get(i).path(field).path("ci_low").asDouble(Double.NaN);
                hi[i] = pts.get(i).path(field).path("ci_high").asDouble(Double.NaN);
            }
            return new Svg.Band(name, x, y, lo, hi);
        }

        /**
         * Whether best-of-n file {@code big} holds every curve of {@code small}: the same n and prompts, and for each curve of
         * {@code small} one of the same name with the same gold of the pick at every n (as {@code bon_contrastive.json} holds
         * {@code bon.json}'s, recomputed from its samples). Two files with the same curves: the earlier one ({@code bigFirst}) holds the later.
         */
        static boolean subsumes(JsonNode big, JsonNode small, boolean bigFirst) {
            JsonNode bc = big.path("curves"), sc = small.path("curves");
            if (bc.size() < sc.size() || (bc.size() == sc.size() && !bigFirst)) return false;
            if (!big.path("n").equals(small.path("n")) || big.path("prompts").asInt() != small.path("prompts").asInt()
                    || big.path("samples_per_prompt").asInt() != small.path("samples_per_prompt").asInt()) {
                return false;
            }
            for (JsonNode c : sc) {
                boolean found = false;
                for (JsonNode o : bc) {
                    if (!o.path("reward_model").asText().equals(c.path("reward_model").asText())) continue;
                    found = o.path("points").size() == c.path("points").size();
                    for (int k = 0; found && k < c.path("points").size(); k++) {
                        found = o.path("points").get(k).path("gold").path("estimate").equals(c.path("points").get(k).path("gold").path("estimate"));
                    }
                    if (found) break;
                }
                if (!found) return false;
            }
            return true;
        }

        /** {@code claims.json} of {@code experiment}: per comparison the mean over seeds with its t interval, and the A/A null. */
        void claims() {
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.claims) {
                use(d.file(), "claims");
                List<String> names = new ArrayList<>();
                List<Double> mean = new ArrayList<>(), err = new ArrayList<>();
                StringBuilder t = new StringBuilder("<table>\n<tr><th>comparison</th><th>metric</th><th>mean over seeds [95% t interval]</th>"
                        + "<th>seeds</th><th>A/A null [95% t interval]</th></tr>\n");
                for (JsonNode c : d.json().path("claims")) {
                    String metric = c.path("metric").asText();
                    if (metric.equals("judge.mean_gold_difference")) {
                        names.add(c.path("name").asText());
                        double m = c.path("mean").asDouble(Double.NaN);
                        mean.add(m);
                        err.add(Math.max(c.path("ci_high").asDouble(Double.NaN) - m, m - c.path("ci_low").asDouble(Double.NaN)));
                    }
                    t.append("<tr><td>").append(esc(c.path("name").asText())).append("</td><td>").append(esc(metric)).append("</td><td>")
                            .append(seedInterval(c, "mean", "ci_low", "ci_high")).append("</td><td>").append(c.path("n_seeds").asInt())
                            .append("</td><td>").append(seedInterval(c, "null_mean", "null_ci_low", "null_ci_high")).append("</td></tr>\n");
                }
                b.append("<div class=\"plots\">\n").append(Svg.bars("Paired gold difference, mean over seeds (± 95% t)",
                        "gold difference", names, List.of(new Svg.Bars("mean over seeds", unbox(mean), unbox(err))), 0)).append("</div>\n")
                        .append(t).append("</table>\n");
                b.append(mechanismTable(d.json().path("mechanism_table")));
                b.append(fixedAcrossSeeds(d.json()));
            }
            if (b.length() == 0) return;
            section("claims", "Claims over seeds", b + "<p class=\"note\">Each seed reruns PPO, MetaRM's sampling and judging with the "
                    + "task, SFT policy and reward models fixed; the null is the same metric on the A/A arm (another PPO seed).</p>\n");
        }

        /** A claim label "method (RM RM)", e.g. "grpo (Flip+Margin RM)". */
        private static final java.util.regex.Pattern METHOD_AND_RM = java.util.regex.Pattern.compile("^(.*) \\((.*) RM\\)$");

        /**
         * {@code beyond_ppo.json} of {@code experiment --beyond-ppo}, as {@code BeyondPpoArm} writes it: (a) PPO and the
         * critic-free methods against each reward model, the paired gold difference against SFT and against PPO with the
         * same RM (mean over seeds [95% t]), the seeds, and the speed rows beside PPO's; (b) the DPO variants against SFT and
         * against PPO with the Flip + Margin RM, and their implicit-reward accuracy on the clean test pairs; the A/A null
         * where the file has it; bars of every "vs SFT" figure. A figure the file lacks (or holds as null / NaN) reads n/a.
         */
        void beyondPpo() {
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.beyondPpo) {
                use(d.file(), "beyond-ppo");
                JsonNode o = d.json(), claims = o.path("claims");
                Set<String> dpoRuns = new LinkedHashSet<>();
                for (JsonNode v : o.path("design").path("dpo_variants")) dpoRuns.add(v.asText());
                for (JsonNode a : o.path("implicit_accuracy")) dpoRuns.add(a.path("run").asText());
                List<String> cats = new ArrayList<>();
                List<Double> mean = new ArrayList<>(), err = new ArrayList<>();
                StringBuilder ta = new StringBuilder("<h3>(a) Critic-free methods against each reward model</h3>\n<table class=\"beyond-critic-free\">\n"
                        + "<tr><th>method</th><th>RM</th><th>vs SFT</th><th>vs PPO (same RM)</th><th>seeds</th><th>s / iteration</th>"
                        + "<th>rollout tokens/s</th><th>CPU s / iteration</th></tr>\n");
                List<String> dpoOrder = new ArrayList<>();
                for (JsonNode c : claims) {
                    String run = c.path("run").asText();
                    if (!c.path("against").asText().equals("sft")) continue;
                    if (dpoRuns.contains(run)) {
                        if (!dpoOrder.contains(run)) dpoOrder.add(run);
                        continue;
                    }
                    String label = c.path("name").asText().replaceFirst(" vs SFT$", "");
                    java.util.regex.Matcher m = METHOD_AND_RM.matcher(label);
                    boolean named = m.matches();
                    String method = named ? m.group(1) : label, rm = named ? m.group(2) : "n/a";
                    JsonNode vsPpo = beyondFind(claims, run, "ppo");
                    boolean reference = vsPpo == null && run.startsWith("ppo-");
                    bar(cats, mean, err, named ? method + ", " + rm : label, c); // short: the first rotated label stays on the page
                    ta.append("<tr><td>").append(esc(method)).append("</td><td>").append(esc(rm)).append("</td><td>")
                            .append(signedInterval(c)).append("</td><td>").append(reference ? "(reference)" : signedInterval(vsPpo))
                            .append("</td><td>").append(seeds(c, vsPpo)).append("</td><td>")
                            .append(speedCell(o.path("speed"), run, "seconds_per_iteration", "%.2f")).append("</td><td>")
                            .append(speedCell(o.path("speed"), run, "rollout_tokens_per_s", "%.1f")).append("</td><td>")
                            .append(speedCell(o.path("speed"), run, "cpu_seconds_per_iteration", "%.2f")).append("</td></tr>\n");
                }
                ta.append("</table>\n");
                for (JsonNode a : o.path("implicit_accuracy")) if (!dpoOrder.contains(a.path("run").asText())) dpoOrder.add(a.path("run").asText());
                StringBuilder tb = new StringBuilder();
                if (!dpoOrder.isEmpty()) {
                    tb.append("<h3>(b) DPO variants on the same noisy pairs</h3>\n<table class=\"beyond-dpo\">\n<tr><th>variant</th><th>vs SFT</th>"
                            + "<th>vs PPO (Flip+Margin RM)</th><th>implicit-reward accuracy, clean test pairs</th><th>seeds</th></tr>\n");
                    for (String run : dpoOrder) {
                        JsonNode sft = beyondFind(claims, run, "sft"), ppo = beyondFind(claims, run, "ppo"), acc = null;
                        for (JsonNode a : o.path("implicit_accuracy")) if (a.path("run").asText().equals(run)) acc = a;
                        if (sft != null) bar(cats, mean, err, run, sft);
                        tb.append("<tr><td>").append(esc(run)).append("</td><td>").append(signedInterval(sft)).append("</td><td>")
                                .append(signedInterval(ppo)).append("</td><td>").append(acc == null ? "n/a" : levelInterval(acc, "%.4f"))
                                .append("</td><td>").append(seeds(sft, ppo)).append("</td></tr>\n");
                    }
                    tb.append("</table>\n");
                }
                if (files.beyondPpo.size() > 1) b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n");
                JsonNode design = o.path("design");
                b.append("<p>").append(o.path("seeds").isNumber() ? String.valueOf(o.path("seeds").asInt()) : "n/a").append(" seeds (");
                List<String> seedList = new ArrayList<>();
                for (JsonNode s : o.path("seed_list")) seedList.add(s.asText());
                b.append(esc(seedList.isEmpty() ? "n/a" : String.join(", ", seedList))).append("). Primary figure: ")
                        .append(esc(design.path("primary_figure").isTextual() ? design.path("primary_figure").asText()
                                : "paired mean gold difference per prompt (A minus B)"))
                        .append("; mean over seeds [95% t interval]. ").append(aaNull(claims)).append("</p>\n");
                if (mean.stream().anyMatch(Double::isFinite)) {
                    b.append("<div class=\"plots\">\n").append(Svg.bars("Paired gold difference vs SFT, mean over seeds (± 95% t)",
                            "gold difference", cats, List.of(new Svg.Bars("vs SFT", unbox(mean), unbox(err))), 0)).append("</div>\n");
                }
                b.append(ta).append(tb);
                if (design.path("fixed_across_seeds").isTextual() || design.path("varies_per_seed").isTextual()) {
                    b.append("<p class=\"note\">Fixed across seeds: ").append(esc(design.path("fixed_across_seeds").asText("n/a")))
                            .append(". Varies per seed: ").append(esc(design.path("varies_per_seed").asText("n/a"))).append(".</p>\n");
                }
            }
            if (b.length() == 0) return;
            section("beyond-ppo", "Beyond PPO over seeds", b + "<p class=\"note\">Seeds: of the vs SFT figure (/ of the vs PPO one where "
                    + "they differ). Speed: per seed the median over iterations 2..T of seconds per iteration and of rollout tokens/s, and "
                    + "process CPU seconds over T; mean over seeds [95% t]. Error bars: the longer side of the interval.</p>\n");
        }

        /** A "vs SFT" claim as a bar: its mean and the longer side of its interval (NaN where the file lacks them). */
        private static void bar(List<String> cats, List<Double> mean, List<Double> err, String label, JsonNode c) {
            double m = finite(c.path("mean"));
            cats.add(label);
            mean.add(m);
            err.add(Math.max(finite(c.path("ci_high")) - m, m - finite(c.path("ci_low"))));
        }

        private static JsonNode beyondFind(JsonNode claims, String run, String against) {
            for (JsonNode c : claims) if (c.path("run").asText().equals(run) && c.path("against").asText().equals(against)) return c;
            return null;
        }

        /** n seeds of the first claim, and of the second after a slash where it differs. */
        private static String seeds(JsonNode first, JsonNode second) {
            String a = first != null && first.path("n_seeds").isNumber() ? String.valueOf(first.path("n_seeds").asInt()) : "n/a";
            if (second == null || !second.path("n_seeds").isNumber() || a.equals(String.valueOf(second.path("n_seeds").asInt()))) return a;
            return a + " / " + second.path("n_seeds").asInt();
        }

        private static String speedCell(JsonNode rows, String run, String field, String f) {
            for (JsonNode r : rows) if (r.path("run").asText().equals(run) && r.path("field").asText().equals(field)) return levelInterval(r, f);
            return "n/a";
        }

        /** The A/A null of the judged figures (the first claim that has one), or the file's reason for having none. */
        private static String aaNull(JsonNode claims) {
            for (JsonNode c : claims) {
                if (!Double.isFinite(finite(c.path("null_mean")))) continue;
                int n = 0;
                for (JsonNode v : c.path("null_per_seed")) if (Double.isFinite(finite(v))) n++;
                return "A/A null (same metric, " + n + " seeds): " + signedInterval(c, "null_mean", "null_ci_low", "null_ci_high")
                        + (c.path("null_source").isTextual() ? ", " + esc(c.path("null_source").asText()) : "") + ".";
            }
            JsonNode first = claims.path(0).path("null_source");
            return "A/A null: " + (first.isTextual() ? esc(first.asText()) : "n/a") + ".";
        }

        private static String signedInterval(JsonNode c) {
            return signedInterval(c, "mean", "ci_low", "ci_high");
        }

        /** mean [low, high] signed to 4 decimals; the mean alone without an interval; n/a without a mean. */
        private static String signedInterval(JsonNode c, String mean, String low, String high) {
            return c == null ? "n/a" : interval(c, mean, low, high, "%+.4f", "n/a");
        }

        private static String levelInterval(JsonNode c, String f) {
            return interval(c, "mean", "ci_low", "ci_high", f, "n/a");
        }

        /** mean [low, high] each formatted with {@code f}; the mean alone without a whole interval; {@code missing} without a mean. */
        private static String interval(JsonNode c, String mean, String low, String high, String f, String missing) {
            double m = finite(c.path(mean)), lo = finite(c.path(low)), hi = finite(c.path(high));
            if (!Double.isFinite(m)) return missing;
            String s = String.format(Locale.ROOT, f, m);
            return Double.isFinite(lo) && Double.isFinite(hi) ? s + String.format(Locale.ROOT, " [" + f + ", " + f + "]", lo, hi) : s;
        }

        /** A JSON number's value; NaN for anything else (missing, null, text). */
        private static double finite(JsonNode n) {
            return n != null && n.isNumber() ? n.asDouble() : Double.NaN;
        }

        /**
         * {@code mechanism_table} of {@code claims.json}: the baseline RM's accuracy against gold on its policy's samples at the
         * first snapshot (SFT) and the last, and per MetaRM round MetaRM, the η = 0 control and their paired difference; each
         * the mean over seeds with its 95% t interval and the per-seed values. The accuracies are also drawn as bars.
         */
        private static String mechanismTable(JsonNode table) {
            if (!table.isArray() || table.isEmpty()) return "";
            List<String> cats = new ArrayList<>();
            List<Double> acc = new ArrayList<>(), err = new ArrayList<>();
            StringBuilder t = new StringBuilder("<table class=\"mechanism\">\n<tr><th>policy samples, reward model</th><th>metric</th>"
                    + "<th>mean over seeds [95% t interval]</th><th>seeds</th><th>per seed</th></tr>\n");
            for (JsonNode row : table) {
                String name = row.path("name").asText();
                boolean difference = row.path("metric").asText().endsWith("difference");
                String f = difference ? "%+.4f" : "%.4f"; // differences signed, levels not
                if (!difference && row.path("mean").isNumber()) {
                    cats.add(mechanismLabel(name));
                    acc.add(row.path("mean").asDouble());
                    err.add(row.path("ci_high").isNumber() ? row.path("ci_high").asDouble() - row.path("mean").asDouble() : Double.NaN);
                }
                StringBuilder per = new StringBuilder();
                for (JsonNode v : row.path("per_seed")) {
                    if (per.length() > 0) per.append(", ");
                    per.append(v.isNumber() ? String.format(Locale.ROOT, f, v.asDouble()) : "–");
                }
                String mean = row.path("mean").isNumber() ? String.format(Locale.ROOT, f, row.path("mean").asDouble()) : "–";
                if (row.path("ci_low").isNumber()) {
                    mean += String.format(Locale.ROOT, " [" + f + ", " + f + "]", row.path("ci_low").asDouble(), row.path("ci_high").asDouble());
                }
                t.append("<tr><td>").append(esc(name)).append("</td><td>").append(esc(row.path("metric").asText())).append("</td><td>")
                        .append(mean).append("</td><td>").append(row.path("n_seeds").asInt()).append("</td><td>").append(per).append("</td></tr>\n");
            }
            StringBuilder b = new StringBuilder("<h3>Mechanism: reward-model accuracy against gold on policy samples</h3>\n");
            if (!cats.isEmpty()) {
                b.append("<div class=\"plots\">\n").append(Svg.bars("RM accuracy vs gold on policy samples (± 95% t)",
                        "pairwise accuracy", cats, List.of(new Svg.Bars("mean over seeds", unbox(acc), unbox(err))), 0.5)).append("</div>\n");
            }
            return b.append(t).append("</table>\n<p class=\"note\">Pairs: within-prompt pairs of the policy's samples whose gold "
                    + "differs. The baseline RM on the samples of SFT (first snapshot) and of the final PPO policies (last); round r's RMs, "
                    + "MetaRM and its η = 0 control, on the samples of the policy they serve, their difference on the same pairs. Bars "
                    + "named by policy alone are the baseline RM's; the dashed line is chance.</p>\n").toString();
        }

        /**
         * A mechanism-table row's name as a bar label: "round 1: MetaRM, …" → "round 1 MetaRM", "baseline RM, SFT samples (…)" →
         * "SFT" (the note under the table says the unlabelled bars are the baseline RM's); any other name without its note in
         * parentheses.
         */
        static String mechanismLabel(String name) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^round (\\d+): ([^,]+)").matcher(name);
            if (m.find()) return "round " + m.group(1) + " " + m.group(2);
            m = java.util.regex.Pattern.compile("^baseline RM, (.*?) samples( \\(.*\\))?$").matcher(name);
            if (m.find()) return m.group(1);
            return name.replaceFirst(" \\([^()]*\\)$", "");
        }

        /**
         * The best-of-n figures fixed across seeds (one run, bootstrap over prompts) as one table, n by reward model: each RM's
         * gold of the pick minus the baseline's on the same prompts; then the contrastive RM the experiment chose, and how.
         */
        private static String fixedAcrossSeeds(JsonNode claims) {
            Map<String, Map<Integer, JsonNode>> byRm = new LinkedHashMap<>();
            java.util.TreeSet<Integer> ns = new java.util.TreeSet<>();
            for (JsonNode f : claims.path("fixed_across_seeds")) {
                if (!f.path("difference").isObject()) continue;
                // Entries name their reward model; Flip + Margin's in an older claims.json do not (they hold flip_margin_gold).
                String rm = f.path("reward_model").isTextual() ? f.path("reward_model").asText()
                        : f.has("flip_margin_gold") ? "flip+margin" : f.path("name").asText();
                byRm.computeIfAbsent(rm, k -> new LinkedHashMap<>()).put(f.path("n").asInt(), f.path("difference"));
                ns.add(f.path("n").asInt());
            }
            StringBuilder t = new StringBuilder();
            if (!byRm.isEmpty()) {
                t.append("<h3>Best-of-n from SFT (fixed across seeds)</h3>\n<table class=\"fixed-bon\">\n<tr><th>n</th>");
                for (String rm : byRm.keySet()) t.append("<th>").append(esc(rm)).append(" − baseline</th>");
                t.append("</tr>\n");
                for (int n : ns) {
                    t.append("<tr><td>").append(n).append("</td>");
                    for (Map<Integer, JsonNode> m : byRm.values()) {
                        t.append("<td>").append(m.containsKey(n) ? seedInterval(m.get(n), "estimate", "ci_low", "ci_high") : "–").append("</td>");
                    }
                    t.append("</tr>\n");
                }
                t.append("</table>\n<p class=\"note\">Gold of the best-of-n pick, each RM minus the baseline on the same samples, "
                        + "[95% bootstrap over prompts]: one run, since the curves do not depend on the PPO seed (drawn in the best-of-n section).</p>\n");
            }
            JsonNode ch = claims.path("contrastive_choice");
            if (ch.isObject()) {
                t.append("<p class=\"note\">Contrastive RM: ").append(esc(ch.path("chosen").asText())).append(", chosen by ")
                        .append(esc(ch.path("criterion").asText())).append(".</p>\n");
            }
            return t.toString();
        }

        private static String seedInterval(JsonNode c, String mean, String low, String high) {
            return interval(c, mean, low, high, "%+.4f", "–");
        }

        void rmOnPolicy() {
            StringBuilder b = new StringBuilder();
            for (RunFiles.Doc d : files.rmOnPolicy) {
                use(d.file(), "rm-on-policy");
                List<String> cats = new ArrayList<>();
                List<Double> acc = new ArrayList<>(), err = new ArrayList<>();
                StringBuilder t = new StringBuilder("<table>\n<tr><th>policy</th><th>reward model</th><th>pairs</th><th>accuracy</th>"
                        + "<th>Kendall τ-b</th><th>J</th><th>minus the first RM, same pairs</th></tr>\n");
                for (JsonNode p : d.json().path("policies")) {
                    String policy = p.path("policy").asText();
                    for (JsonNode m : p.path("reward_models")) {
                        String rm = m.path("reward_model").asText();
                        JsonNode a = m.path("accuracy");
                        cats.add(d.json().path("policies").size() > 1 ? policy + " · " + rm : rm);
                        acc.add(a.path("estimate").asDouble(Double.NaN));
                        // The bar's error is the larger side of the (asymmetric) bootstrap interval.
                        err.add(Math.max(a.path("ci_high").asDouble(Double.NaN) - a.path("estimate").asDouble(Double.NaN),
                                a.path("estimate").asDouble(Double.NaN) - a.path("ci_low").asDouble(Double.NaN)));
                        String paired = "";
                        for (JsonNode q : p.path("paired")) {
                            if (q.path("reward_model").asText().equals(rm)) {
                                paired = interval(q.path("accuracy_difference")) + " (p " + f3(q.path("accuracy_difference").path("p_bootstrap").asDouble(Double.NaN)) + ")";
                            }
                        }
                        t.append("<tr><td>").append(esc(policy)).append("</td><td>").append(esc(rm)).append("</td><td>")
                                .append(p.path("pairs").asInt()).append("</td><td>").append(interval(a)).append("</td><td>")
                                .append(interval(m.path("kendall_tau"))).append("</td><td>").append(interval(m.path("difference_loss_j")))
                                .append("</td><td>").append(esc(paired)).append("</td></tr>\n");
                    }
                }
                if (files.rmOnPolicy.size() > 1) b.append("<h3>").append(esc(files.rel(d.file()))).append("</h3>\n");
                b.append("<div class=\"plots\">\n").append(Svg.bars("Accuracy against gold on pairs of the policy's samples (± 95%)",
                        "pairwise accuracy", cats, List.of(new Svg.Bars("accuracy", unbox(acc), unbox(err))), 0.5)).append("</div>\n")
                        .append(t).append("</table>\n<p class=\"note\">Pairs: within-prompt pairs of the policy's samples whose gold "
                                + "differs; intervals from a bootstrap over prompts; the dashed line is chance.</p>\n");
            }
            if (b.length() > 0) section("rm-on-policy", "Reward models on the policy's samples", b.toString());
        }

        private static String interval(JsonNode i) {
            return f4(i.path("estimate").asDouble(Double.NaN)) + " [" + f4(i.path("ci_low").asDouble(Double.NaN)) + ", "
                    + f4(i.path("ci_high").asDouble(Double.NaN)) + "]";
        }

        void filesRead() {
            StringBuilder b = new StringBuilder("<table>\n<tr><th>file</th><th>size</th><th>used in</th></tr>\n");
            for (var e : used.entrySet()) {
                long size;
                try {
                    size = Files.size(files.root.resolve(e.getKey()));
                } catch (IOException ex) {
                    size = -1;
                }
                b.append("<tr><td><code>").append(esc(e.getKey())).append("</code></td><td>").append(bytes(size)).append("</td><td>")
                        .append(esc(String.join(", ", e.getValue()))).append("</td></tr>\n");
            }
            b.append("</table>\n");
            for (RunFiles.Lines l : concat(files.strengthPairs, files.trainCurves, files.ppoCurves)) {
                if (l.skipped() > 0) {
                    b.append("<p class=\"note\">").append(esc(files.rel(l.file()))).append(": ").append(l.skipped())
                            .append(" unparsable line(s) skipped (a run still writing?).</p>\n");
                }
            }
            if (!files.unread.isEmpty()) {
                b.append("<p>Not read:</p>\n<ul>\n");
                for (RunFiles.Unread u : files.unread) {
                    b.append("<li><code>").append(esc(files.rel(u.file()))).append("</code>: ").append(esc(u.reason())).append("</li>\n");
                }
                b.append("</ul>\n");
            }
            section("files", "Files read", b.toString());
        }

        void section(String id, String title, String body) {
            sections.put(id, new String[] {title, body});
        }

        String curveName(Path f) {
            Path parent = f.getParent();
            String file = f.getFileName().toString();
            if (file.equals("metrics.jsonl")) {
                return parent.equals(files.root) ? dir.toAbsolutePath().normalize().getFileName().toString() : files.rel(parent);
            }
            String stem = file.replaceAll("\\.jsonl$", "");
            return parent.getFileName() != null && parent.getFileName().toString().equals("metrics") ? stem : files.rel(f);
        }
    }

    // ---- small helpers ----

    /** A metrics file appended to by a run started over from scratch: the last run only. */
    static List<JsonNode> sinceLastStart(List<JsonNode> recs) {
        int from = 0;
        for (int i = 0; i < recs.size(); i++) if (recs.get(i).path("type").asText().equals("start")) from = i;
        return recs.subList(from, recs.size());
    }

    static double[] smooth(double[] v, int w) {
        double[] o = new double[v.length];
        double sum = 0;
        int count = 0;
        for (int i = 0; i < v.length; i++) {
            if (Double.isFinite(v[i])) {
                sum += v[i];
                count++;
            }
            if (i >= w && Double.isFinite(v[i - w])) {
                sum -= v[i - w];
                count--;
            }
            o[i] = count == 0 ? Double.NaN : sum / count;
        }
        return o;
    }

    private static double[] field(List<JsonNode> recs, String name) {
        double[] o = new double[recs.size()];
        for (int i = 0; i < o.length; i++) {
            JsonNode n = recs.get(i).path(name);
            o[i] = n.isNumber() ? n.asDouble() : Double.NaN;
        }
        return o;
    }

    private static double[] column(JsonNode rows, String name) {
        double[] o = new double[rows.size()];
        for (int i = 0; i < o.length; i++) {
            JsonNode n = rows.get(i).path(name);
            o[i] = n.isNumber() ? n.asDouble() : Double.NaN;
        }
        return o;
    }

    private static double[] select(double[] v, boolean[] mask, boolean want) {
        int k = 0;
        for (boolean m : mask) if (m == want) k++;
        double[] o = new double[k];
        k = 0;
        for (int i = 0; i < v.length; i++) if (mask[i] == want) o[k++] = v[i];
        return o;
    }

    private static double[] unbox(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        List<T> o = new ArrayList<>();
        for (List<T> l : lists) o.addAll(l);
        return o;
    }

    private static String modelOf(JsonNode evalReport) {
        JsonNode args = evalReport.path("provenance").path("args");
        for (int i = 0; i + 1 < args.size(); i++) if (args.get(i).asText().equals("--model")) return args.get(i + 1).asText();
        return "";
    }

    private static void fact(StringBuilder b, String what, String value) {
        b.append("<li><span class=\"value\">").append(esc(value)).append("</span> ").append(esc(what)).append("</li>\n");
    }

    private static String esc(String s) {
        return Svg.escape(s);
    }

    private static String pct(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f%%", 100 * v) : "–";
    }

    private static String f3(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "–";
    }

    private static String f4(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "–";
    }

    private static String duration(double s) {
        if (!Double.isFinite(s)) return "–";
        long t = Math.round(s);
        return t >= 60 ? String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60) : t + "s";
    }

    private static String bytes(long n) {
        if (n < 0) return "?";
        if (n < 10_000) return n + " B";
        if (n < 10_000_000) return (n + 512) / 1024 + " KiB";
        return (n + (1 << 19)) / (1 << 20) + " MiB";
    }

    private static final String CSS = """
            body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; }
            header { background: #1f2d3d; color: #fff; padding: 14px 28px 10px; }
            header h1 { font-size: 21px; margin: 0 0 4px; }
            header .meta { color: #c9d3dd; margin: 0 0 6px; font-size: 13px; }
            nav a { color: #9fd0ff; margin-right: 14px; font-size: 14px; text-decoration: none; }
            main { padding: 4px 18px 30px; max-width: 1700px; }
            section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 4px 12px 12px; margin: 14px 0; }
            h2 { font-size: 18px; margin: 12px 0 8px; } h3 { font-size: 15px; margin: 10px 0 4px; color: #444; }
            .plots { display: flex; flex-wrap: wrap; gap: 10px 18px; }
            svg.plot { background: #fff; max-width: 100%; height: auto; font-size: 12px; }
            svg.plot .title { font-size: 13px; font-weight: 600; fill: #222; }
            svg.plot .tick { fill: #555; font-size: 11px; } svg.plot .label { fill: #333; }
            svg.plot .legend { fill: #333; font-size: 12px; }
            svg.plot .grid { stroke: #ececec; } svg.plot .axis { stroke: #888; fill: none; }
            table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
            th, td { border-bottom: 1px solid #e6e6e6; padding: 3px 10px; text-align: left; }
            th { background: #f3f3f3; } td { font-variant-numeric: tabular-nums; }
            ul.facts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px 26px; }
            ul.facts .value { font-weight: 700; font-size: 17px; }
            .note, .meta { color: #666; font-size: 13px; }
            """;
}
