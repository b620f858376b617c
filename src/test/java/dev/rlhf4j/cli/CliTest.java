package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.SharedFiles;
import dev.rlhf4j.data.Json;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The command line as a user meets it: help, errors, and a whole pipeline on the tiny model. */
class CliTest {
    record Run(int code, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void everyOptionOfEveryCommandStatesItsDefault() {
        CommandLine root = new CommandLine(new Main());
        List<String> missing = new ArrayList<>(), unformattable = new ArrayList<>();
        List<CommandLine> all = new ArrayList<>(root.getSubcommands().values());
        for (int i = 0; i < all.size(); i++) all.addAll(all.get(i).getSubcommands().values());
        for (CommandLine c : all) {
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp() || o.required()) continue;
                String desc = String.join(" ", o.description());
                if (!desc.contains("default")) missing.add(c.getCommandName() + " " + o.longestName());

            }
        }
        assertThat(missing).as("options whose help does not state a default").isEmpty();
        // picocli formats help text (%n is a line break): a bare % makes it warn and print that text unformatted
        for (CommandLine c : all) {
            List<String> args = new ArrayList<>(List.of(c.getCommandSpec().qualifiedName().split(" ")));
            args.remove(0);
            args.add("--help");
            Run h = run(args.toArray(String[]::new));
            if (h.err().contains("Could not format")) unformattable.add(String.join(" ", args) + ": " + h.err());
        }
        assertThat(unformattable).as("help text with an unescaped %").isEmpty();
        Run help = run("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("demo", "train-rm", "eval-rm", "score", "data", "synth", "strength", "denoise", "deciles");
        assertThat(run("train-rm", "--help").out()).contains("--lr=<lr>", "(default: 3e-5)", "(default: minilm)");
    }

    @Test
    void aMalformedLineInTheMiddleOfABigFileIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("pairs.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 2000; i++) {
            sb.append(i == 1000 ? "{\"prompt\": \"p\", \"chosen\": \"c\", " : "{\"prompt\": \"p" + i + "\", \"chosen\": \"c\", \"rejected\": \"r\"}").append('\n');
        }
        Files.writeString(f, sb);
        Run r = run("data", "inspect", "--data", f.toString(), "--tokenizer", "minilm");
        assertThat(r.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(r.err()).contains("pairs.jsonl:1000");
        Run skipped = run("data", "inspect", "--data", f.toString(), "--skip-invalid");
        assertThat(skipped.code()).isZero();
        assertThat(skipped.out()).contains("1,999 pairs").contains("p50");
    }

    @Test
    @Tag("slow") // slow tier: three train-rm runs
    void contrastiveTrainingDefaultsToThePapersBatchAndRecordsItsSettings(@TempDir Path dir) throws Exception {
        Path data = SharedFiles.get("data/pandalm/pairs.jsonl");
        Run t = run("train-rm", "--data", data.toString(), "--out", dir.resolve("a").toString(), "--backbone", "tiny-random",
                "--max-length", "48", "--max-steps", "2", "--contrastive", "swav", "--contrast", "difference");
        assertThat(t.code()).as(t.err()).isZero();
        JsonNode prov = Json.MAPPER.readTree(dir.resolve("a/provenance.json").toFile());
        assertThat(prov.path("config").path("batch_pairs").asInt()).isEqualTo(16);
        assertThat(prov.path("contrastive").path("beta").asDouble()).isEqualTo(0.5);
        assertThat(prov.path("contrastive").path("swavK").asInt()).isEqualTo(20);
        Run b = run("train-rm", "--data", data.toString(), "--out", dir.resolve("b").toString(), "--backbone", "tiny-random",
                "--max-length", "48", "--max-steps", "2", "--contrastive", "simcse", "--batch-size", "4");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(Json.MAPPER.readTree(dir.resolve("b/provenance.json").toFile()).path("config").path("batch_pairs").asInt())
                .isEqualTo(4);
        Run bad = run("train-rm", "--data", data.toString(), "--out", dir.resolve("c").toString(), "--backbone", "tiny-random",
                "--contrastive", "moco");
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains("--contrastive must be simcse or swav");
    }

    @Test
    @Tag("slow") // slow tier: train-rm, resume, eval-rm and score runs
    void trainEvaluateScoreOnTheTinyModel(@TempDir Path dir) throws Exception {
        Path data = SharedFiles.get("data/pandalm/pairs.jsonl");
        Path out = dir.resolve("rm");
        Run t = run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", "tiny-random",
                "--max-length", "48", "--max-steps", "6", "--eval-every", "3", "--lr", "1e-3");
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        JsonNode prov = Json.MAPPER.readTree(out.resolve("provenance.json").toFile());
        assertThat(prov.path("inputs").path("data").path("sha256").asText()).hasSize(64);
        assertThat(prov.path("seed").asLong()).isEqualTo(42);
        assertThat(Files.readAllLines(out.resolve("metrics.jsonl"))).anyMatch(l -> l.contains("\"type\":\"eval\""));
        Run again = run("train-rm", "--data", data.toString(), "--out", out.toString(), "--backbone", "tiny-random");
        assertThat(again.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(again.err()).contains("--resume");
        Run other = run("train-rm", "--data", SharedFiles.get("data/oasst-en100/pairs.jsonl").toString(), "--resume",
                out.toString(), "--backbone", "tiny-random");
        assertThat(other.code()).isEqualTo(Main.BAD_INPUT);
        assertThat(other.err()).contains("not the file this run was started on");
        Run resumed = run("train-rm", "--data", data.toString(), "--resume", out.toString(), "--backbone", "tiny-random",
                "--max-length", "48", "--max-steps", "6", "--eval-every", "3", "--lr", "1e-3");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming after step 6");

        Run e = run("eval-rm", "--model", out.toString(), "--data", data.toString(), "--json", "--by", "source");
        assertThat(e.code()).as(e.err()).isZero();
        JsonNode report = Json.MAPPER.readTree(e.out());
        for (String k : List.of("accuracy", "loss", "ece", "brier", "n")) assertThat(report.has(k)).as(k).isTrue();
        assertThat(report.path("n").asInt()).isEqualTo(894);

        Path scored = dir.resolve("scored.jsonl");
        Run s = run("score", "--model", out.toString(), "--data", data.toString(), "--out", scored.toString());
        assertThat(s.code()).as(s.err()).isZero();
        List<String> lines = Files.readAllLines(scored);
        assertThat(lines).hasSize(894);
        JsonNode first = Json.MAPPER.readTree(lines.get(0));
        assertThat(first.has("chosen_reward") && first.has("rejected_reward") && first.has("votes")).isTrue();
    }

    @Test
    @Tag("slow") // slow tier: the demo's pipeline, stage by stage
    void synthStrengthDenoiseAndDecilesChainOnTheTinyModel(@TempDir Path dir) throws Exception {
        Path train = dir.resolve("train.jsonl"), valid = dir.resolve("valid.jsonl");
        assertThat(run("synth", "--pairs", "60", "--seed", "3", "--out", train.toString()).code()).isZero();
        assertThat(run("synth", "--pairs", "30", "--clean", "--seed", "4", "--out", valid.toString()).code()).isZero();
        Path st = dir.resolve("st");
        Run s = run("strength", "--data", train.toString(), "--out", st.toString(), "--members", "2",
                "--backbone", "tiny-random", "--max-length", "48", "--lr", "1e-3");
        assertThat(s.code()).as(s.err()).isZero();
        JsonNode summary = Json.MAPPER.readTree(st.resolve("strength.json").toFile());
        assertThat(summary.withArray("groups").size()).isEqualTo(20);
        assertThat(summary.has("fraction_negative") && summary.has("flip_auc")).isTrue();
        JsonNode rec = Json.MAPPER.readTree(Files.readAllLines(st.resolve("strength.jsonl")).get(0));
        assertThat(rec.withArray("chosen score list").size()).isEqualTo(2);
        assertThat(rec.has("mean preference difference") && rec.has("std preference difference")).isTrue();

        Path den = dir.resolve("den.jsonl");
        Run d = run("denoise", "--strength", st.resolve("strength.jsonl").toString(), "--out", den.toString(),
                "--flip-fraction", "0.1");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).contains("flipped 6");
        Run m = run("train-rm", "--data", den.toString(), "--out", dir.resolve("m").toString(), "--loss", "margin",
                "--backbone", "tiny-random", "--max-length", "48", "--valid-fraction", "0");
        assertThat(m.code()).as(m.err()).isZero();
        Run g = run("eval-rm", "--model", dir.resolve("m").toString(), "--data", valid.toString(), "--gold", "--json");
        assertThat(Json.MAPPER.readTree(g.out()).path("gold").path("against_gold").path("n").asInt()).isEqualTo(30);

        Path dec = dir.resolve("deciles.json");
        Run q = run("deciles", "--strength", st.resolve("strength.jsonl").toString(), "--valid", valid.toString(),
                "--parts", "3", "--out", dec.toString(), "--backbone", "tiny-random", "--max-length", "48");
        assertThat(q.code()).as(q.err()).isZero();
        assertThat(Json.MAPPER.readTree(dec.toFile()).withArray("rows").size()).isEqualTo(3);
    }

    @Test
    @Tag("slow") // slow tier: a demo run
    void demoContrastiveAddsThePapersContrastiveVariants(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Run r = run("demo", "--out", out.toString(), "--backbone", "tiny-random", "--train-pairs", "48", "--test-pairs", "16",
                "--valid-pairs", "16", "--members", "2", "--max-length", "48", "--train-top-layers", "1", "--contrastive");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode s = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode v : s.withArray("variants")) names.add(v.path("variant").asText());
        assertThat(names).containsExactly("baseline", "flip", "margin", "flip+margin", "soft-label+margin", "simcse-pairs",
                "simcse-difference", "swav-pairs", "swav-difference", "flip+margin+simcse");
        assertThat(s.path("config").path("contrastive").asBoolean()).isTrue();
        assertThat(r.err()).contains(" cl ");
    }

    @Test
    @Tag("slow") // slow tier: a demo run
    void demoWritesTheSummaryOfAllFiveVariants(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("demo");
        Run r = run("demo", "--out", out.toString(), "--backbone", "tiny-random", "--train-pairs", "64", "--test-pairs", "32",
                "--valid-pairs", "32", "--members", "2", "--max-length", "48", "--train-top-layers", "1");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode s = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode v : s.withArray("variants")) {
            names.add(v.path("variant").asText());
            // the share of the 32 test pairs whose gold-preferred response the model ranks higher, a tie counting
            // half: k/64
            double acc = v.path("gold_accuracy_test").asDouble();
            assertThat(acc * 64).isCloseTo(Math.rint(acc * 64), within(1e-9));
            assertThat(v.has("given_accuracy_valid")).isTrue();
            // each variant calibrated on the validation pairs, or the reason it could not be
            assertThat(v.has("calibration") ? v.path("calibration").has("ece_after") : v.has("calibration_error")).isTrue();
            boolean isBaseline = v.path("variant").asText().equals("baseline");
            assertThat(v.has("test_vs_baseline")).isEqualTo(!isBaseline);
            if (!isBaseline) {
                assertThat(v.path("test_vs_baseline").path("accuracy_difference").asDouble()).isCloseTo(
                        v.path("gold_accuracy_test").asDouble() - s.withArray("variants").get(0).path("gold_accuracy_test").asDouble(),
                        within(1e-9));
            }
        }
        assertThat(names).containsExactly("baseline", "flip", "margin", "flip+margin", "soft-label+margin");
        assertThat(s.path("strength").path("groups").size()).isEqualTo(20);
        assertThat(s.path("strength").has("flip_auc")).isTrue();
        // label–gold agreement before and after flipping, recounted from the files the demo wrote
        assertThat(s.path("label_gold_agreement_given").asDouble()).isEqualTo(goldAgreement(out.resolve("train.jsonl")));
        assertThat(s.path("label_gold_agreement_flipped").asDouble()).isEqualTo(goldAgreement(out.resolve("denoised-flip.jsonl")));
        assertThat(Files.readString(out.resolve("summary.txt"))).contains("training labels agreeing with gold").contains("Calibration");
        assertThat(r.out()).contains("flip+margin").contains("run directory");
        for (String f : List.of("strength.jsonl", "strength.json", "summary.txt", "test.jsonl", "denoised-flip.jsonl",
                "baseline-rm/model.safetensors", "flip-margin-rm/config.json")) {
            assertThat(out.resolve(f)).exists();
        }

        // The saved checkpoints compared again by eval-rm: the same paired difference as the demo's row, up to one pair
        // of 32 (the demo scores through cached lower layers, eval-rm runs the full forward pass).
        Run c = run("eval-rm", "--model", out.resolve("flip-margin-rm").toString(), "--compare",
                out.resolve("baseline-rm").toString(), "--data", out.resolve("test.jsonl").toString(), "--gold", "--json");
        assertThat(c.code()).as(c.err()).isZero();
        JsonNode cmp = Json.MAPPER.readTree(c.out()).path("compare");
        assertThat(cmp.path("given").path("n").asInt()).isEqualTo(32);
        assertThat(cmp.path("given").path("accuracy_difference").asDouble()).isCloseTo(
                s.withArray("variants").get(3).path("test_vs_baseline").path("accuracy_difference").asDouble(), within(1.0 / 32 + 1e-9));
        assertThat(cmp.has("against_gold")).isTrue();
        Path missing = dir.resolve("no-such-rm");
        Run bad = run("eval-rm", "--model", out.resolve("flip-margin-rm").toString(), "--compare", missing.toString(),
                "--data", out.resolve("test.jsonl").toString());
        assertThat(bad.code()).isNotZero();
        assertThat(bad.err()).contains(missing.toString());
    }

    private static double goldAgreement(Path jsonl) throws IOException {
        List<String> lines = Files.readAllLines(jsonl);
        int agree = 0;
        for (String l : lines) {
            JsonNode p = Json.MAPPER.readTree(l);
            if (p.path("gold_chosen").asDouble() > p.path("gold_rejected").asDouble()) agree++;
        }
        return agree / (double) lines.size();
    }
}
