package dev.rlhf4j.data;

/**
 * Something odd in a record that a format reader keeps rather than rejects; each is counted in the
 * {@link DataReport} with examples.
 */
public enum Anomaly {
    /** HH transcripts whose chosen and rejected differ before their last {@code \n\nAssistant:}. */
    PREFIX_MISMATCH("prefix_mismatch"),
    /** A JSON boolean or number where a text was expected, taken as its JSON text ({@code true}). */
    NON_STRING_TEXT("non_string_text");

    private final String key;

    Anomaly(String key) {
        this.key = key;
    }

    /** The name used in reports and provenance JSON. */
    public String key() {
        return key;
    }
}
