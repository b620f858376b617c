package dev.rlhf4j.train.optim;

/** Learning rate over optimizer steps: linear warmup, then linear or cosine decay to zero, or constant. */
public record LrSchedule(double peak, long warmupSteps, long totalSteps, String shape) {

    public LrSchedule {
        if (!shape.equals("linear") && !shape.equals("cosine") && !shape.equals("constant")) {
            throw new IllegalArgumentException("unknown schedule '" + shape + "' (expected linear, cosine or constant)");
        }
    }

    /** The same rate at every step. */
    public static LrSchedule constant(double lr) {
        return new LrSchedule(lr, 0, 1, "constant");
    }

    /** Rate for 0-based step {@code step}. */
    public double at(long step) {
        if (warmupSteps > 0 && step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (shape.equals("constant")) return peak;
        double span = Math.max(1, totalSteps - warmupSteps);
        double progress = Math.min(1.0, (step - warmupSteps) / span);
        return shape.equals("linear") ? peak * (1 - progress) : peak * 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
