package dev.rlhf4j.train;

import dev.rlhf4j.engine.Scalars;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.engine.Recompute;
import dev.rlhf4j.model.ModelParameters;
import dev.rlhf4j.train.optim.AdamW;
import dev.rlhf4j.train.optim.GradientClipping;
import dev.rlhf4j.train.optim.LrSchedule;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The optimisation loop every trainer runs (reward models, MetaRM, SFT, PPO's update, {@code bench}): the data
 * cursor over epochs, the engine seeded from the micro step before every forward pass, one {@link NDScope} and
 * gradient collector per micro-batch, gradient accumulation, clipping, AdamW per named parameter group with its
 * learning-rate schedule, zeroing, the non-finite policy, validation and checkpoints at fixed points, and the
 * listeners. A trainer supplies only a {@link Step}: batch → loss.
 *
 * <p>Non-finite policy: when a micro-batch's loss or a group's gradient norm is NaN or infinite, the step's
 * micro-batches are recomputed with the same seeds (on CPU libtorch a finite loss occasionally gives a NaN gradient
 * that does not recur); if it is non-finite again, no group is updated. Both are counted in {@link TrainState} and
 * reported per step; {@value #MAX_CONSECUTIVE_SKIPS} skipped steps in a row stop the run.
 */
public final class Loop<B> {
    static final int MAX_CONSECUTIVE_SKIPS = 10;

    /** A trainer's part of a step. */
    public interface Step<B> {
        /** Names of the values {@link Micro#stats()} carries, in order (e.g. {@code accuracy}). */
        default List<String> statNames() {
            return List.of();
        }

        /** Before the gradient collector opens, inside the micro-batch's scope (MetaRM's ascent). */
        default void beforeForward(long microStep) {}

        /** Forward pass and loss of one micro-batch, inside the loop's scope and gradient collector. */
        Micro forward(B batch);

        /** After backward, the collector closed (MetaRM restores the weights). */
        default void afterBackward() {}

        /** After every applied update (SwAV normalises its prototypes). */
        default void afterUpdate() {}

        /**
         * Values of the optimizer step just taken that are known only after its update (MetaRM's ascent against
         * the AdamW step), added to the step's metrics after {@link #statNames()}' values.
         */
        default Map<String, Double> stepStats() {
            return Map.of();
        }

        /** A step that is only a forward pass reporting the values {@code statNames}. */
        static <B> Step<B> of(List<String> statNames, java.util.function.Function<B, Micro> forward) {
            return new Step<>() {
                @Override
                public List<String> statNames() {
                    return statNames;
                }

                @Override
                public Micro forward(B batch) {
                    return forward.apply(batch);
                }
            };
        }
    }

    /**
     * What one micro-batch gave.
     *
     * @param objective the tensor differentiated (the loop divides it by the accumulation)
     * @param loss      the loss reported; non-finite: no backward, and the step is replayed
     * @param tokens    real tokens in the batch
     * @param stats     values named by {@link Step#statNames()}
     */
    public record Micro(NDArray objective, double loss, long tokens, double... stats) {}

    /** Parameters updated by one optimizer at the schedule's rate. */
    public record Group(String name, ModelParameters params, AdamW optimizer, LrSchedule schedule) {}

    /**
     * @param gradAccum micro-batches per optimizer step
     * @param clipNorm  global gradient-norm clip per group, 0 = off
     * @param seed      the engine is seeded with {@code seed · 1000003 + micro step} before each forward pass
     */
    public record Settings(int gradAccum, double clipNorm, long seed) {
        public Settings {
            if (gradAccum < 1) throw new IllegalArgumentException("gradient accumulation must be >= 1, got " + gradAccum);
        }
    }

    /** One optimizer step's outcome; the times are the forward, backward and update parts, in seconds. */
    public record Update(double loss, double[] stats, double lr, double gradNorm, boolean replayed, boolean skipped,
                         long tokens, double forwardSeconds, double backwardSeconds, double updateSeconds) {}

    /** Schedules of validation and checkpoints over a run of epochs. */
    public record Schedule(int epochs, long totalSteps, int evalEvery) {}

    /** The batches of one epoch: a pure function of (seed, epoch), so a resumed run visits what the interrupted one would. */
    public interface Epochs<B> {
        List<B> batches(int epoch);
    }

    /** A validation; compares itself with the best so far in {@code state}. */
    public interface Evaluator {
        TrainListener.Evaluation evaluate(long step, TrainState state);
    }

    /** How a run went: the final state, the mean step time (the first step excluded) and real tokens per second. */
    public record Result(TrainState state, double meanStepSeconds, double tokensPerSecond) {}

    private final Step<B> step;
    private final Settings settings;
    private final List<Group> groups;
    private long microSteps, optimizerSteps, skipped, replayed;
    private int consecutiveSkips;

    public Loop(Step<B> step, Settings settings, List<Group> groups) {
        this.step = step;
        this.settings = settings;
        this.groups = List.copyOf(groups);
    }

    /** Continues the counters of an interrupted run (the optimizers' moments are restored by their owner). */
    public Loop<B> resumeFrom(TrainState s) {
        microSteps = s.microSteps();
        optimizerSteps = s.optimizerSteps();
        skipped = s.skippedSteps();
        replayed = s.replayedSteps();
        return this;
    }

    public Map<String, AdamW> optimizers() {
        Map<String, AdamW> m = new LinkedHashMap<>();
        for (Group g : groups) m.put(g.name(), g.optimizer());
        return m;
    }

    public long microSteps() {
        return microSteps;
    }

    /** Where this loop stands, for a resume checkpoint written outside {@link #run} (PPO's). */
    public TrainState state(double elapsedSeconds) {
        return new TrainState(0, 0, optimizerSteps, microSteps, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, -1,
                skipped, replayed, elapsedSeconds);
    }

    public long skippedSteps() {
        return skipped;
    }

    public long replayedSteps() {
        return replayed;
    }

    /** One optimizer step over {@code micro} (accumulated), with the non-finite policy. */
    public Update update(List<B> micro) {
        int n = step.statNames().size();
        double[] sums = new double[n], times = new double[2];
        double loss = 0;
        long tokens = 0;
        boolean finite = true;
        long first = microSteps;
        for (int k = 0; k < micro.size(); k++) {
            Micro r = micro(micro.get(k), first + k, times);
            finite &= Double.isFinite(r.loss());
            loss += r.loss() / settings.gradAccum();
            for (int i = 0; i < n; i++) sums[i] += r.stats()[i] / settings.gradAccum();
            tokens += r.tokens();
        }
        microSteps = first + micro.size();
        long t0 = System.nanoTime();
        double lr = groups.get(0).schedule().at(optimizerSteps);
        double[] norms = clip();
        boolean ok = finite && allFinite(norms), wasReplayed = false;
        if (!ok) {
            // Recompute the step's micro-batches with the same seeds: the gradient (and loss) the run would have had.
            zero();
            boolean again = true;
            loss = 0;
            java.util.Arrays.fill(sums, 0);
            for (int k = 0; k < micro.size(); k++) {
                Micro r = micro(micro.get(k), first + k, new double[2]);
                again &= Double.isFinite(r.loss());
                loss += r.loss() / settings.gradAccum();
                for (int i = 0; i < n; i++) sums[i] += r.stats()[i] / settings.gradAccum();
            }
            norms = clip();
            ok = again && allFinite(norms);
            wasReplayed = true;
            replayed++;
        }
        if (ok) {
            for (Group g : groups) g.optimizer().step(g.schedule().at(optimizerSteps));
            step.afterUpdate();
            consecutiveSkips = 0;
        } else {
            skipped++;
            consecutiveSkips++;
            StringBuilder where = new StringBuilder();
            for (Group g : groups) where.append(' ').append(GradientClipping.nonFinite(g.params()));
            System.err.printf("step %d: non-finite %s (loss %s, norm %s) in%s; update skipped%n", optimizerSteps + 1,
                    finite ? "gradient" : "loss", loss, norms[0], where);
        }
        zero();
        optimizerSteps++;
        if (consecutiveSkips >= MAX_CONSECUTIVE_SKIPS) {
            throw new IllegalStateException(String.format("the loss or gradient was non-finite for %d optimizer steps in a row "
                    + "(up to step %d); lower the learning rate or check the data for extreme margins", consecutiveSkips,
                    optimizerSteps));
        }
        return new Update(loss, sums, lr, norms[0], wasReplayed, !ok, tokens, times[0], times[1],
                (System.nanoTime() - t0) / 1e9);
    }

    private Micro micro(B batch, long microStep, double[] times) {
        // Dropout masks are a function of (seed, micro step), so a replay or a resumed run repeats them.
        long seed = settings.seed() * 1_000_003L + microStep;
        Engines.seed(seed);
        try (NDScope scope = new NDScope()) {
            step.beforeForward(microStep);
            // A backbone switched to recomputation (--recompute) keeps only its layers' inputs in the forward pass;
            // rc.backward() then runs the layers again and back-propagates through them (engine.Recompute).
            try (GradientCollector gc = Engine.getInstance().newGradientCollector(); Recompute rc = Recompute.open(seed)) {
                long t0 = System.nanoTime();
                Micro r = step.forward(batch);
                long t1 = System.nanoTime();
                if (Double.isFinite(r.loss())) {
                    gc.backward(Scalars.div(r.objective(), settings.gradAccum()));
                    rc.backward();
                }
                times[0] += (t1 - t0) / 1e9;
                times[1] += (System.nanoTime() - t1) / 1e9;
                return r;
            } finally {
                step.afterBackward();
            }
        }
    }

    private double[] clip() {
        double[] norms = new double[groups.size()];
        for (int i = 0; i < norms.length; i++) norms[i] = GradientClipping.clip(groups.get(i).params(), settings.clipNorm());
        return norms;
    }

    private void zero() {
        for (Group g : groups) GradientClipping.zero(g.params());
    }

    private static boolean allFinite(double[] v) {
        for (double x : v) if (!Double.isFinite(x)) return false;
        return true;
    }

    /**
     * Epochs of {@code data} from {@code start} until the schedule's last step. Validation runs every
     * {@code evalEvery} steps (0: at each epoch's end) and at the last step; the listeners' checkpoint follows every
     * validation and every epoch's end.
     */
    public Result run(Epochs<B> data, Schedule schedule, TrainState start, Evaluator evaluator, List<TrainListener> listeners) {
        resumeFrom(start);
        TrainState st = start;
        for (TrainListener l : listeners) l.onStart(schedule.totalSteps(), st);
        long t0 = System.nanoTime(), tokensTotal = 0;
        double elapsedBefore = st.elapsedSeconds(), stepStart = t0, timedSteps = 0, timedSeconds = 0;
        long replayedBefore = replayed;
        List<B> pending = new ArrayList<>();
        outer:
        for (int epoch = st.epoch(); epoch < schedule.epochs() && st.optimizerSteps() < schedule.totalSteps(); epoch++) {
            List<B> plan = data.batches(epoch);
            int first = epoch == st.epoch() ? st.nextBatch() : 0;
            for (int b = first; b < plan.size(); b++) {
                pending.add(plan.get(b));
                boolean endOfEpoch = b == plan.size() - 1;
                if (pending.size() < settings.gradAccum() && !endOfEpoch) continue;
                Update u = update(pending);
                pending.clear();
                long stepNo = optimizerSteps;
                double now = System.nanoTime(), secs = (now - stepStart) / 1e9;
                stepStart = now;
                if (stepNo > 1) { // the first step pays one-off warm-up costs
                    timedSteps++;
                    timedSeconds += secs;
                }
                tokensTotal += u.tokens();
                double elapsed = elapsedBefore + (now - t0) / 1e9;
                st = new TrainState(endOfEpoch ? epoch + 1 : epoch, endOfEpoch ? 0 : b + 1, stepNo, microSteps,
                        st.bestAccuracy(), st.bestLoss(), st.bestStep(), skipped, replayed, elapsed);
                Map<String, Double> stats = new LinkedHashMap<>();
                for (int i = 0; i < u.stats().length; i++) stats.put(step.statNames().get(i), u.stats()[i]);
                stats.putAll(step.stepStats());
                TrainListener.StepStats s = new TrainListener.StepStats(stepNo, schedule.totalSteps(), epoch + 1, u.loss(),
                        stats, u.lr(), u.gradNorm(), u.skipped(), u.replayed(), u.tokens(), secs, elapsed);
                for (TrainListener l : listeners) l.onStep(s);

                boolean done = stepNo >= schedule.totalSteps();
                boolean evalNow = (schedule.evalEvery() > 0 ? stepNo % schedule.evalEvery() == 0 : endOfEpoch) || done;
                if (evalNow && evaluator != null) {
                    TrainListener.Evaluation e = evaluator.evaluate(stepNo, st);
                    if (e != null) {
                        if (e.best()) st = st.withBest(e.accuracy(), e.loss(), stepNo);
                        for (TrainListener l : listeners) l.onEval(stepNo, e);
                    }
                }
                if (evalNow || endOfEpoch) {
                    Map<String, AdamW> opts = optimizers();
                    for (TrainListener l : listeners) l.onCheckpoint(st, opts);
                    stepStart = System.nanoTime(); // validation and saving are not part of the next step's time
                }
                if (done) break outer;
            }
        }
        if (replayed > replayedBefore) {
            System.err.printf("%d optimizer step(s) had a non-finite gradient and were recomputed%n", replayed - replayedBefore);
        }
        for (TrainListener l : listeners) l.onEnd(st);
        double secs = (System.nanoTime() - t0) / 1e9;
        // Training is over: what the steps freed, glibc kept for the next step (the launcher's MALLOC_* settings);
        // return it, so that what runs next (scoring, evaluation, the next member) does not start from a step's peak.
        Engines.releaseFreeMemory();
        return new Result(st, timedSteps > 0 ? timedSeconds / timedSteps : Double.NaN, secs > 0 ? tokensTotal / secs : Double.NaN);
    }

    /** Optimizer steps of a run: ceil(batches / accumulation) per epoch, capped by {@code maxSteps} (0 = none). */
    public static long totalSteps(int batchesPerEpoch, int gradAccum, int epochs, long maxSteps) {
        long total = (long) ((batchesPerEpoch + gradAccum - 1) / gradAccum) * epochs;
        return maxSteps > 0 ? Math.min(total, maxSteps) : total;
    }
}
