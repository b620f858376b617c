package dev.rlhf4j.strength;

import dev.rlhf4j.train.ProgressListener;
import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Times the members of an ensemble and prints one line per member with the ETA of the rest. The ETA counts
 * members' own time (training and scoring) only: what a member hook does (the demo evaluates and saves member 1
 * as its baseline) happens once and would otherwise be extrapolated to every remaining member.
 */
final class EnsembleProgress {
    private final PrintStream out;
    private final int members;
    private final LongSupplier nanos;
    private long mark;
    private double memberSecs;
    private int done;

    /**
     * @param out   where the lines go, or null for none
     * @param nanos the clock, {@code System::nanoTime} outside tests
     */
    EnsembleProgress(PrintStream out, int members, LongSupplier nanos) {
        this.out = out;
        this.members = members;
        this.nanos = nanos;
        this.mark = nanos.getAsLong();
    }

    /** Seconds since the previous lap (or since construction). */
    double lap() {
        long now = nanos.getAsLong();
        double s = (now - mark) / 1e9;
        mark = now;
        return s;
    }

    /** Records a finished member and prints its line; returns the ensemble ETA in seconds. */
    double memberDone(String label, double trainSecs, int scoredPairs, double scoreSecs, double hookSecs) {
        memberSecs += trainSecs + scoreSecs;
        done++;
        double eta = memberSecs / done * (members - done);
        if (out != null) {
            out.printf("%s done: trained %.0f s, scored %d pairs in %.0f s%s; ensemble ETA %s%n", label,
                    trainSecs, scoredPairs, scoreSecs,
                    hookSecs >= 1 ? String.format(" (then %.0f s outside the ensemble)", hookSecs) : "",
                    ProgressListener.duration(eta));
        }
        return eta;
    }
}
