package dev.rlhf4j.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.train.MetricsFile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The files of a run directory the report can use, found by what they hold rather than by where
 * a particular command puts them: a {@code summary.json} with {@code variants} is a demo summary,
 * JSON with {@code groups} of μ̂/σ̂ a strength summary, JSON with decile {@code rows} the decile
 * experiment, JSON with {@code representations} an {@code eval-rm --representations} report; a
 * {@code metrics.jsonl} ({@link MetricsFile}'s schema, any name) by its records' {@code type}: start, resume, train
 * or eval a training curve, ppo a PPO log. Of {@code experiment}'s outputs, {@code claims.json} (claims with their A/A
 * null) and {@code beyond_ppo.json} (claims beside {@code speed} and {@code implicit_accuracy}).
 */
public final class RunFiles {
    /** Subdirectories this deep are searched (run/variant/ppo/metrics.jsonl). */
    public static final int DEPTH = 4;
    /** JSON files larger than this are not opened (the report needs summaries, not data). */
    static final long MAX_JSON_BYTES = 32L << 20;
    /** Checkpoint files: never a report input, and tokenizer.json is large. */
    private static final Set<String> CHECKPOINT_FILES = Set.of("tokenizer.json", "config.json", "tokenizer_config.json",
            "provenance.json", "trainer_state.json", "special_tokens_map.json", "generation_config.json");
    private static final Set<String> TRAIN_TYPES = Set.of(MetricsFile.START, MetricsFile.RESUME, MetricsFile.TRAIN,
            MetricsFile.EVAL);

    /** A JSON document and where it came from. */
    public record Doc(Path file, JsonNode json) {}

    /** The lines of a JSONL file (unparsable lines, e.g. a half-written last one, skipped and counted). */
    public record Lines(Path file, List<JsonNode> records, int skipped) {}

    /** A file that looked like a report input but could not be read. */
    public record Unread(Path file, String reason) {}

    final Path root;
    final List<Doc> demoSummaries = new ArrayList<>(), strengthSummaries = new ArrayList<>(), deciles = new ArrayList<>(),
            representations = new ArrayList<>();
    final List<Lines> strengthPairs = new ArrayList<>(), trainCurves = new ArrayList<>(), ppoCurves = new ArrayList<>();
    final List<Unread> unread = new ArrayList<>();
    /** {@code judge.json} with intervals, {@code bon.json} of {@code bon} and {@code rm_on_policy.json} of {@code rm-on-policy}. */
    final List<Doc> judgings = new ArrayList<>(), bestOfN = new ArrayList<>(), rmOnPolicy = new ArrayList<>();
    /** {@code claims.json} of {@code experiment}: comparisons over seeds with their A/A null. */
    final List<Doc> claims = new ArrayList<>();
    /**
     * {@code beyond_ppo.json} of {@code experiment --beyond-ppo}: its comparisons over seeds ({@code claims}) beside
     * {@code speed} and {@code implicit_accuracy} rows; not also a {@link #claims} document.
     */
    final List<Doc> beyondPpo = new ArrayList<>();

    private RunFiles(Path root) {
        this.root = root;
    }

    /** Scans {@code dir} (not following links, skipping resume state and hidden directories). */
    public static RunFiles scan(Path dir) {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException("run directory " + dir + " does not exist or is not a directory");
        RunFiles r = new RunFiles(dir);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir, DEPTH)) {
            files = s.filter(Files::isRegularFile).filter(p -> !skipped(dir.relativize(p))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            try {
                if (name.endsWith(".json") && !CHECKPOINT_FILES.contains(name) && Files.size(f) <= MAX_JSON_BYTES) r.json(f);
                else if (name.endsWith(".jsonl")) r.jsonl(f);
            } catch (IOException | RuntimeException e) {
                r.unread.add(new Unread(f, e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("")));
            }
        }
        return r;
    }

    private static boolean skipped(Path rel) {
        for (Path part : rel) {
            String p = part.toString();
            if (p.startsWith(".") || p.equals("resume")) return true;
        }
        return false;
    }

    private void json(Path f) throws IOException {
        JsonNode j = Json.MAPPER.readTree(f.toFile());
        if (j == null || !j.isObject()) return;
        if (j.path("variants").isArray() && j.path("variants").size() > 0 && j.path("variants").get(0).has("gold_accuracy_test")) {
            demoSummaries.add(new Doc(f, j));
        } else if (isStrengthSummary(j)) {
            strengthSummaries.add(new Doc(f, j));
        }
        if (j.path("rows").isArray() && j.path("rows").size() > 0 && j.path("rows").get(0).has("decile")) deciles.add(new Doc(f, j));
        if (j.path("representations").isObject()) representations.add(new Doc(f, j));
        instruments(f, j);
    }

    /**
     * Judged comparisons (a {@code mean_difference} interval beside {@code win_count}), best-of-n curves ({@code curves}
     * and {@code kl_bon}) and RM accuracy on policy samples ({@code policies} of {@code reward_models}).
     */
    private void instruments(Path f, JsonNode j) {
        if (j.path("mean_difference").isObject() && j.has("win_count")) judgings.add(new Doc(f, j));
        if (j.path("curves").isArray() && j.path("kl_bon").isArray() && j.path("curves").size() > 0) bestOfN.add(new Doc(f, j));
        if (j.path("policies").isArray() && j.path("policies").size() > 0 && j.path("policies").get(0).path("reward_models").isArray()) {
            rmOnPolicy.add(new Doc(f, j));
        }
        if (isBeyondPpo(j)) beyondPpo.add(new Doc(f, j));
        else if (j.path("claims").isArray() && j.path("claims").size() > 0 && j.path("claims").get(0).has("null_ci_low")) claims.add(new Doc(f, j));
    }

    /** {@code beyond_ppo.json}: {@code claims} with {@code speed} or {@code implicit_accuracy} beside them. */
    static boolean isBeyondPpo(JsonNode j) {
        return j.path("claims").isArray() && (j.path("speed").isArray() || j.path("implicit_accuracy").isArray());
    }

    static boolean isStrengthSummary(JsonNode j) {
        return j.path("groups").isArray() && j.path("groups").size() > 0 && j.path("groups").get(0).has("mean_mu")
                && j.path("groups").get(0).has("mean_sigma");
    }

    /** Classifies a JSONL file by its first record, and reads it all only when the report uses it. */
    private void jsonl(Path f) throws IOException {
        JsonNode first = firstRecord(f);
        if (first == null) return;
        List<Lines> target;
        if (f.getFileName().toString().equals("strength.jsonl") && first.has(dev.rlhf4j.strength.StrengthEstimator.MEAN)) {
            target = strengthPairs;
        } else if (TRAIN_TYPES.contains(first.path("type").asText())) {
            target = trainCurves;
        } else if (first.path("type").asText().equals(MetricsFile.PPO)) {
            target = ppoCurves;
        } else {
            return;
        }
        List<JsonNode> records = new ArrayList<>();
        int bad = 0;
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                try {
                    records.add(Json.MAPPER.readTree(line));
                } catch (IOException e) {
                    bad++;
                }
            }
        }
        target.add(new Lines(f, records, bad));
    }

    private static JsonNode firstRecord(Path f) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                try {
                    JsonNode j = Json.MAPPER.readTree(line);
                    return j.isObject() ? j : null;
                } catch (IOException e) {
                    return null; // not JSONL the report knows
                }
            }
        }
        return null;
    }

    /** The path shown for a file: relative to the run directory, with forward slashes. */
    String rel(Path f) {
        String r = root.relativize(f).toString().replace('\\', '/');
        return r.isEmpty() ? "." : r;
    }

    boolean isEmpty() {
        return demoSummaries.isEmpty() && strengthSummaries.isEmpty() && deciles.isEmpty() && representations.isEmpty()
                && strengthPairs.isEmpty() && trainCurves.isEmpty() && ppoCurves.isEmpty() && judgings.isEmpty() && bestOfN.isEmpty()
                && rmOnPolicy.isEmpty() && claims.isEmpty() && beyondPpo.isEmpty();
    }
}
