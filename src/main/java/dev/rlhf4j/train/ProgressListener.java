package dev.rlhf4j.train;

import dev.rlhf4j.eval.PairMetrics;
import dev.rlhf4j.model.RewardModel;

import java.io.PrintStream;

/**
 * Progress on stderr: a redrawn bar with loss, accuracy and ETA on a terminal; plain lines every
 * {@code every} steps otherwise (logs, CI).
 */
public final class ProgressListener implements TrainListener {
    private final PrintStream out;
    private final boolean terminal;
    private final int every;
    private final String label;
    private double emaCl = Double.NaN;
    private double emaLoss = Double.NaN, emaAcc = Double.NaN;
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
        emaLoss = Double.isNaN(emaLoss) ? s.loss() : 0.9 * emaLoss + 0.1 * s.loss();
        emaAcc = Double.isNaN(emaAcc) ? s.accuracy() : 0.9 * emaAcc + 0.1 * s.accuracy();
        long done = s.step() - startStep;
        double perStep = done > 0 ? s.elapsedSeconds() / Math.max(1, s.step()) : s.stepSeconds();
        double eta = (s.totalSteps() - s.step()) * perStep;
        if (!Double.isNaN(s.contrastiveLoss())) {
            emaCl = Double.isNaN(emaCl) ? s.contrastiveLoss() : 0.9 * emaCl + 0.1 * s.contrastiveLoss();
        }
        String text = String.format("%s step %d/%d  loss %.4f%s  acc %.3f  lr %.2e  %.2fs/step  ETA %s%s", label,
                s.step(), s.totalSteps(), emaLoss, Double.isNaN(emaCl) ? "" : String.format("  cl %.4f", emaCl), emaAcc,
                s.lr(), s.stepSeconds(), duration(eta),
                s.skipped() ? "  (skipped: non-finite gradient)" : "");
        if (terminal) {
            int width = 24;
            int filled = (int) (width * s.step() / Math.max(1, s.totalSteps()));
            out.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + text);
            if (s.step() == s.totalSteps()) out.println();
        } else if (s.step() % every == 0 || s.step() == s.totalSteps() || s.skipped()) {
            out.println(text);
        }
        out.flush();
    }

    @Override
    public void onEval(long step, PairMetrics m, boolean best, RewardModel model) {
        if (terminal) out.println();
        out.printf("%s eval @ step %d: accuracy %.4f ±%.3f  loss %.4f  ece %.4f%s%n", label, step, m.accuracy(),
                m.accuracyCi95(), m.loss(), m.ece(), best ? "  (best so far, saved)" : "");
    }

    public static String duration(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
