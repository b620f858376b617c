package dev.rlhf4j.rl;

import java.util.Locale;

/** Small helpers shared by the RL commands. */
final class Rl {
    private Rl() {}

    /** 75 → "1m15s". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
