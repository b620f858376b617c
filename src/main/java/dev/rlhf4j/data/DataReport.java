package dev.rlhf4j.data;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * What loading a preference file found: the format (and whether it was detected), how much was read,
 * and every kind of record that was skipped or kept despite an anomaly, each with a count and a few
 * examples ({@code id (line N)} or, for invalid records, the error message).
 *
 * @param format         the format name ({@code hh}, {@code pairs}, {@code moss})
 * @param detected       true when the format was detected rather than named
 * @param file           the file as given
 * @param linesRead      lines read (JSONL, blank ones included) or elements read (JSON array)
 * @param pairs          pairs returned
 * @param invalid        records skipped as invalid (only with {@code skipInvalid})
 * @param emptyChosen    pairs kept whose chosen response is empty after trimming
 * @param emptyRejected  pairs kept whose rejected response is empty after trimming
 * @param identical      pairs kept whose chosen and rejected responses are the same text
 * @param prefixMismatch HH pairs whose transcripts differ before the last assistant turn (kept)
 * @param nonStringText  pairs kept that had a boolean or number where text was expected
 */
public record DataReport(
        String format, boolean detected, String file, int linesRead, int pairs,
        Count invalid, Count emptyChosen, Count emptyRejected, Count identical,
        Count prefixMismatch, Count nonStringText) {

    /** How many records had a property, and the first few of them. */
    public record Count(int count, List<String> examples) {
        public Count {
            examples = List.copyOf(examples);
        }

        ObjectNode toJson() {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("count", count);
            ArrayNode ex = o.putArray("examples");
            examples.forEach(ex::add);
            return o;
        }
    }

    /** A few lines for a terminal: the counts, and examples for those that are not zero. */
    public List<String> summaryLines() {
        List<String> out = new ArrayList<>();
        out.add(String.format("%s: format %s (%s), %,d lines read, %,d pairs",
                file, format, detected ? "detected" : "given", linesRead, pairs));
        add(out, "invalid records skipped", invalid);
        add(out, "empty chosen (kept)", emptyChosen);
        add(out, "empty rejected (kept)", emptyRejected);
        add(out, "identical chosen/rejected (kept)", identical);
        add(out, "prefix mismatch (kept)", prefixMismatch);
        add(out, "non-string text (kept)", nonStringText);
        return out;
    }

    private static void add(List<String> out, String label, Count c) {
        if (c.count() > 0) {
            out.add(String.format("  %s: %,d, e.g. %s", label, c.count(), String.join("; ", c.examples())));
        }
    }

    @Override
    public String toString() {
        return String.join("\n", summaryLines());
    }

    /** The report as JSON for provenance files (snake_case keys). */
    public ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("format", format);
        o.put("detected", detected);
        o.put("file", file);
        o.put("lines_read", linesRead);
        o.put("pairs", pairs);
        o.set("invalid", invalid.toJson());
        o.set("empty_chosen", emptyChosen.toJson());
        o.set("empty_rejected", emptyRejected.toJson());
        o.set("identical", identical.toJson());
        o.set(Anomaly.PREFIX_MISMATCH.key(), prefixMismatch.toJson());
        o.set(Anomaly.NON_STRING_TEXT.key(), nonStringText.toJson());
        return o;
    }
}
