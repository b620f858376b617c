package dev.rlhf4j.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Counts for a {@link DataReport} while a file is read. */
final class ReportTally {
    static final int EXAMPLES = 5;
    static final int INVALID_EXAMPLES = 20;

    private static final class Tally {
        final int limit;
        int count;
        final List<String> examples = new ArrayList<>();

        Tally(int limit) {
            this.limit = limit;
        }

        void add(String example) {
            if (count++ < limit) {
                examples.add(example);
            }
        }

        DataReport.Count done() {
            return new DataReport.Count(count, examples);
        }
    }

    private final Tally invalid = new Tally(INVALID_EXAMPLES);
    private final Tally emptyChosen = new Tally(EXAMPLES);
    private final Tally emptyRejected = new Tally(EXAMPLES);
    private final Tally identical = new Tally(EXAMPLES);
    private final Map<Anomaly, Tally> anomalies = new EnumMap<>(Anomaly.class);

    ReportTally() {
        for (Anomaly a : Anomaly.values()) {
            anomalies.put(a, new Tally(EXAMPLES));
        }
    }

    void invalid(String message) {
        invalid.add(message);
    }

    void anomaly(Anomaly a, String where) {
        anomalies.get(a).add(where);
    }

    /** Counts the properties every format shares. */
    void pair(PreferencePair p) {
        String where = where(p.id(), p.file(), p.line());
        if (p.chosen().isBlank()) {
            emptyChosen.add(where);
        }
        if (p.rejected().isBlank()) {
            emptyRejected.add(where);
        }
        if (p.chosen().equals(p.rejected())) {
            identical.add(where);
        }
    }

    static String where(String id, String file, int line) {
        String synthetic = file + ":" + line;
        return id.equals(synthetic) ? synthetic : id + " (line " + line + ")";
    }

    DataReport report(String format, boolean detected, String file, int linesRead, int pairs) {
        return new DataReport(format, detected, file, linesRead, pairs, invalid.done(),
                emptyChosen.done(), emptyRejected.done(), identical.done(),
                anomalies.get(Anomaly.PREFIX_MISMATCH).done(), anomalies.get(Anomaly.NON_STRING_TEXT).done());
    }
}
