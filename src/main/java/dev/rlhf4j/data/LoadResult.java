package dev.rlhf4j.data;

import java.util.List;

/** The pairs read from a file, in file order, and the report of what was read. */
public record LoadResult(List<PreferencePair> pairs, DataReport report) {
    public LoadResult {
        pairs = List.copyOf(pairs);
    }
}
