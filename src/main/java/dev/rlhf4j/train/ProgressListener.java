package dev.rlhf4j.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Progress on stderr: a redrawn bar with the loss, the trainer's values (smoothed) and ETA on a terminal; plain
 * lines every {@code every} steps otherwise (logs, CI).
 */
public final class ProgressListener implements TrainListener {
    /** Short labels of the values trainers report; others print under their own name. */
    private static final Map<String, String> SHORT = Map.of("accuracy", "acc", "contrastive_loss", "cl");
    private final PrintStream out;
    private final boolean terminal;
    private final int every;
    private final String label;
    private double emaLoss = Double.NaN;
    private final Map<String, Double> ema = new LinkedHashMap<>();
    private long startStep;

    public ProgressListener(PrintStream out, String label, int every) {
        this.out = out;
        this.terminal = System.console() != null;
        this.every = Math.max(1, every);
        this.label = label;
    }

    @Override
    public void onStart(long totalSteps, TrainState state) {
        startStep = state.optimizerSteps();
        out.printf("%s: %d optimizer steps%s%n", label, totalSteps,
                startStep > 0 ? " (resuming after step " + startStep + ")" : "");
    }

    @Override
    public void onStep(StepStats s) {
        emaLoss = smooth(emaLoss, s.loss());
        StringBuilder values = new StringBuilder();
        for (Map.Entry<String, Double> e : s.stats().entrySet()) {
            if (e.getKey().equals("reward_loss")) continue; // the loss itself
            double v = smooth(ema.getOrDefault(e.getKey(), Double.NaN), e.getValue());
            ema.put(e.getKey(), v);
            values.append(String.format("  %s %.4f", SHORT.getOrDefault(e.getKey(), e.getKey()), v));
        }
        long done = s.step() - startStep;
        double perStep = done > 0 ? s.elapsedSeconds() / Math.max(1, s.step()) : s.stepSeconds();
        double eta = (s.totalSteps() - s.step()) * perStep;
        String text = String.format("%s step %d/%d  loss %.4f%s  lr %.2e  %.2fs/step  ETA %s%s%s", label, s.step(),
                s.totalSteps(), emaLoss, values, s.lr(), s.stepSeconds(), duration(eta),
                s.skipped() ? "  (skipped: non-finite gradient)" : "", s.replayed() && !s.skipped() ? "  (replayed)" : "");
        if (terminal) {
            int width = 24;
            int filled = (int) (width * s.step() / Math.max(1, s.totalSteps()));
            out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + text);
            if (s.step() == s.totalSteps()) out.println();
        } else if (s.step() % every == 0 || s.step() == s.totalSteps() || s.skipped() || s.replayed()) {
            out.println(text);
        }
        out.flush();
    }

    private static double smooth(double ema, double x) {
        return Double.isNaN(ema) ? x : 0.9 * ema + 0.1 * x;
    }

    @Override
    public void onEval(long step, Evaluation e) {
        if (terminal) out.println();
        out.printf("%s eval @ step %d: %s%s%n", label, step, e.summary(), e.best() ? "  (best so far, saved)" : "");
    }

    public static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
