package dev.rlhf4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE.md's claims checked against the sources: the layer picture (each package imports only packages on
 * rows below its own), where DJL types appear, and a package-info.java in every package. The picture is read from
 * ARCHITECTURE.md itself, so the document and this test cannot drift apart.
 */
class ArchitectureTest {
    static final Path SOURCES = Path.of("src/main/java/dev/rlhf4j");
    static final Path DOC = Path.of("ARCHITECTURE.md");
    static final String LAYERS_MARK = "<!-- layers: read by ArchitectureTest -->";
    static final Pattern OWN = Pattern.compile("\\bdev\\.rlhf4j\\.([a-z]+)(?:\\.[a-z]\\w*)*\\.[A-Z]");
    static final Pattern PACKAGE = Pattern.compile("(?m)^package dev\\.rlhf4j\\.([a-z.]+);");

    /** A main source file: its package (e.g. {@code model.decoder}) and its code without comments. */
    record Source(Path file, String pkg, String code) {
        String top() {
            return pkg.split("\\.")[0];
        }
    }

    static List<Source> sources = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        assertThat(SOURCES).as("run from the project root").isDirectory();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                Matcher m = PACKAGE.matcher(text);
                assertThat(m.find()).as("package line of " + f).isTrue();
                String code = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
                sources.add(new Source(f, m.group(1), code));
            }
        }
    }

    /** The rows of the picture in ARCHITECTURE.md, top (cli) first: each row's packages. */
    static List<Set<String>> layers() {
        List<String> lines;
        try {
            lines = Files.readAllLines(DOC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DOC.toAbsolutePath(), e);
        }
        int mark = lines.indexOf(LAYERS_MARK);
        assertThat(mark).as(DOC + " has the line " + LAYERS_MARK + " before the layer picture").isNotNegative();
        assertThat(lines.get(mark + 1)).as(DOC + ": the picture's opening fence").startsWith("```");
        Pattern row = Pattern.compile("^[\\s└►─]*([a-z]+(?: · [a-z]+)*)(?:\\s{2,}.*)?$");
        List<Set<String>> out = new ArrayList<>();
        for (int i = mark + 2; !lines.get(i).startsWith("```"); i++) {
            Matcher m = row.matcher(lines.get(i));
            assertThat(m.matches()).as(DOC + " line " + (i + 1) + ": a row of packages: " + lines.get(i)).isTrue();
            out.add(new TreeSet<>(List.of(m.group(1).split(" · "))));
        }
        return out;
    }

    @Test
    void everyPackageIsOnExactlyOneRowOfThePicture() {
        Map<String, Integer> row = rows();
        Set<String> actual = new TreeSet<>();
        sources.forEach(s -> actual.add(s.top()));
        assertThat(row.keySet()).as("packages in the picture of " + DOC).containsExactlyInAnyOrderElementsOf(actual);
    }

    @Test
    void importsPointDownThePicture() {
        Map<String, Integer> row = rows();
        Map<String, Set<String>> edges = new TreeMap<>();
        List<String> upward = new ArrayList<>();
        for (Source s : sources) {
            Matcher m = OWN.matcher(s.code());
            while (m.find()) {
                String to = m.group(1);
                if (to.equals(s.top())) continue;
                edges.computeIfAbsent(s.top(), k -> new TreeSet<>()).add(to);
                if (row.containsKey(to) && row.containsKey(s.top()) && row.get(to) <= row.get(s.top())) {
                    upward.add(s.file() + " (" + s.top() + ", row " + row.get(s.top()) + ") uses " + m.group()
                            + "… (" + to + ", row " + row.get(to) + ")");
                }
            }
        }
        assertThat(upward).as("references to a package on the same row or above (" + DOC + ")").isEmpty();
        edges.remove("cli");
        assertThat(documentedImports()).as(DOC + "'s paragraph 'The imports today' (cli aside); from the sources: "
                + edges).isEqualTo(edges);
    }

    /** The paragraph "The imports today: `a` → b, c; `d` → e." of ARCHITECTURE.md as a map. */
    static Map<String, Set<String>> documentedImports() {
        String text;
        try {
            text = Files.readString(DOC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DOC.toAbsolutePath(), e);
        }
        int at = text.indexOf("The imports today:");
        assertThat(at).as(DOC + " has the paragraph 'The imports today:'").isNotNegative();
        String para = text.substring(at + "The imports today:".length(), text.indexOf("\n\n", at)).replace('\n', ' ');
        Map<String, Set<String>> out = new TreeMap<>();
        Matcher m = Pattern.compile("`([a-z]+)` → ([a-z, ]+)[;.]").matcher(para);
        while (m.find()) out.put(m.group(1), new TreeSet<>(List.of(m.group(2).trim().split(",\\s*"))));
        return out;
    }

    /** A reference to a DJL type (a property name such as {@code ai.djl.pytorch.num_threads} is not one). */
    private static final Pattern DJL_TYPE = Pattern.compile("ai\\.djl\\.[a-z0-9_.]*[A-Z]");

    /** Where DJL appears, as ARCHITECTURE.md states it. */
    @Test
    void djlTypesOnlyWhereTheDocumentSaysSo() {
        Map<String, Set<String>> djl = new TreeMap<>();
        for (Source s : sources) {
            if (DJL_TYPE.matcher(s.code()).find()) djl.computeIfAbsent(s.pkg(), k -> new TreeSet<>()).add(s.file().getFileName().toString());
        }
        Set<String> tops = new TreeSet<>();
        djl.keySet().forEach(p -> tops.add(p.split("\\.")[0]));
        assertThat(tops).as("packages using DJL: " + djl).containsExactlyInAnyOrder(
                "engine", "model", "text", "train", "eval", "contrastive", "rl", "serving", "cli");
        assertThat(djl).as("plain Java (no DJL)").doesNotContainKeys("model.weights", "data", "data.format", "synth",
                "provenance", "strength", "report", "demo");
        // text uses DJL's Hugging Face tokenizer binding only, never tensors
        assertThat(djl.get("text")).containsExactly("Tokenizer.java");
        sources.stream().filter(s -> s.top().equals("text"))
                .forEach(s -> assertThat(s.code()).as(s.file().toString()).doesNotContain("ai.djl.ndarray"));
    }

    @Test
    void everyPackageHasAPackageInfo() {
        Set<String> packages = new TreeSet<>(), documented = new TreeSet<>();
        for (Source s : sources) {
            packages.add(s.pkg());
            if (s.file().getFileName().toString().equals("package-info.java")) documented.add(s.pkg());
        }
        assertThat(documented).containsExactlyElementsOf(packages);
    }

    static Map<String, Integer> rows() {
        Map<String, Integer> row = new LinkedHashMap<>();
        List<Set<String>> layers = layers();
        for (int i = 0; i < layers.size(); i++) {
            for (String p : layers.get(i)) {
                assertThat(row.put(p, i)).as(p + " appears on two rows of the picture").isNull();
            }
        }
        return row;
    }
}
