package dev.rlhf4j.provenance;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The git commit of the clone the running code was built in, and whether its tracked files differ from that commit.
 * Read with {@code git} from the folder that holds the jar (or the classes), looking upward for the clone; the
 * launcher rebuilds the jar whenever sources change, so the tree at run time is the tree the jar was built from.
 * {@code "unknown"} for both when there is no clone above the code or no {@code git}.
 *
 * @param commit full hash of HEAD, or {@code unknown}
 * @param dirty  {@code true} when tracked files have uncommitted changes, {@code false}, or {@code unknown}
 */
public record SourceRevision(String commit, String dirty) {
    static final String UNKNOWN = "unknown";
    private static SourceRevision cached;

    /** The revision of the running code (looked up once per process). */
    public static synchronized SourceRevision get() {
        if (cached == null) cached = of(codeLocation());
        return cached;
    }

    /** The revision of the clone holding {@code start} (a file or folder), or unknown. */
    static SourceRevision of(Path start) {
        Path dir = start;
        while (dir != null && !Files.exists(dir.resolve(".git"))) dir = dir.getParent();
        if (dir == null) return new SourceRevision(UNKNOWN, UNKNOWN);
        String head = git(dir, "rev-parse", "HEAD");
        if (head == null || !head.matches("[0-9a-f]{40}")) return new SourceRevision(UNKNOWN, UNKNOWN);
        String status = git(dir, "status", "--porcelain", "--untracked-files=no");
        return new SourceRevision(head, status == null ? UNKNOWN : Boolean.toString(!status.isEmpty()));
    }

    private static Path codeLocation() {
        try {
            var src = SourceRevision.class.getProtectionDomain().getCodeSource();
            return src == null ? null : Path.of(src.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Trimmed standard output of {@code git -C dir args}, or null when git is missing, fails or hangs. */
    private static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
