package dev.rlhf4j.cli;

import dev.rlhf4j.data.LoadResult;
import dev.rlhf4j.data.PreferenceDataset;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;

/** How preference files are read (shared by every command that reads pairs). */
public final class DataOptions {
    @Option(names = "--format", defaultValue = "auto",
            description = "Input format: auto, hh, pairs or moss (default: ${DEFAULT-VALUE}, detected from the file).")
    String format;

    @Option(names = "--skip-invalid", defaultValue = "false",
            description = "Skip and count malformed records instead of stopping at the first (default: ${DEFAULT-VALUE}).")
    boolean skipInvalid;

    /** {@code auto}, {@code hh}, {@code pairs} or {@code moss}. */
    public String format() {
        return format;
    }

    public boolean skipInvalid() {
        return skipInvalid;
    }

    /** Loads a file and prints its data report to {@code log}. */
    public LoadResult load(Path file, PrintStream log) {
        LoadResult r = PreferenceDataset.load(file, format, skipInvalid);
        for (String line : r.report().summaryLines()) log.println("  " + line);
        return r;
    }
}
