package dev.rlhf4j;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real data and models beside the repository ({@code ../shared}, or {@code -Drlhf4j.shared}).
 * A missing file fails the test loudly: these tests are never skipped.
 */
public final class SharedFiles {
    private SharedFiles() {}

    public static Path root() {
        return Path.of(System.getProperty("rlhf4j.shared", "../shared")).toAbsolutePath().normalize();
    }

    /** A file under the shared folder, e.g. {@code data/pandalm/pairs.jsonl}; throws if missing. */
    public static Path get(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("Required shared test file is missing: " + p
                    + " (set -Drlhf4j.shared=DIR to the folder holding data/ and models/)");
        }
        return p;
    }
}
