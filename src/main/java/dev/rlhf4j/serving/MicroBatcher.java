package dev.rlhf4j.serving;

import dev.rlhf4j.text.EncodedSequence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gathers the items of concurrent requests into shared forward passes. One thread owns the models: it takes the
 * oldest waiting request, then more until {@code maxBatch} items are gathered or {@code maxWaitMillis} has passed
 * since it took the first, and scores them all with every model (length-sorted batches of at most
 * {@code maxBatch}, each in its own NDScope, as {@code score} does). A request larger than {@code maxBatch} is
 * scored alone.
 */
public final class MicroBatcher implements AutoCloseable {
    /** Thrown by {@link #submit} when the queue is full or the batcher is closing. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message);
        }
    }

    /**
     * What one request gets back.
     *
     * @param rewards   each model's rewards ({@code [model][item]})
     * @param truncated per item: whether any model had to cut the text to its input budget (context turns
     *                  dropped or tokens cut) before scoring it
     */
    public record Scores(float[][] rewards, boolean[] truncated) {}

    private record Job(List<ScoreItem> items, CompletableFuture<Scores> result) {}

    private final List<ServedModel> models;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job> queue;
    private final Thread thread;
    private volatile boolean closing;
    private volatile Job carried; // taken from the queue but over the batch limit: first of the next batch
    private final AtomicLong batches = new AtomicLong(), items = new AtomicLong(), requests = new AtomicLong(),
            scoringNanos = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger pending = new java.util.concurrent.atomic.AtomicInteger();

    public MicroBatcher(List<ServedModel> models, int maxBatch, int maxWaitMillis, int maxQueue) {
        if (maxBatch < 1 || maxWaitMillis < 0 || maxQueue < 1) {
            throw new IllegalArgumentException("max batch and max queue must be >= 1 and max wait >= 0 (got "
                    + maxBatch + ", " + maxQueue + ", " + maxWaitMillis + ")");
        }
        this.models = List.copyOf(models);
        this.maxBatch = maxBatch;
        this.maxWaitNanos = TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.thread = new Thread(this::loop, "rlhf4j-scorer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues items; the future holds each model's rewards and which items were truncated. */
    public CompletableFuture<Scores> submit(List<ScoreItem> items) {
        if (closing) throw new Unavailable("server is shutting down");
        Job job = new Job(List.copyOf(items), new CompletableFuture<>());
        if (!queue.offer(job)) throw new Unavailable("scoring queue is full (" + queue.size() + " requests waiting); retry later");
        pending.incrementAndGet();
        return job.result().whenComplete((r, e) -> pending.decrementAndGet());
    }

    /** Forward-pass rounds run so far (each round scores every gathered item with every model). */
    public long batches() {
        return batches.get();
    }

    public long items() {
        return items.get();
    }

    public long requests() {
        return requests.get();
    }

    /** Requests submitted and not yet answered (queued, or being scored). */
    public int pending() {
        return pending.get();
    }

    /** Time spent encoding and scoring, summed over rounds. */
    public double scoringMillis() {
        return scoringNanos.get() / 1e6;
    }

    private void loop() {
        try {
            while (true) {
                Job first = carried != null ? carried : queue.poll(50, TimeUnit.MILLISECONDS);
                carried = null;
                if (first == null) {
                    if (closing) return;
                    continue;
                }
                List<Job> jobs = new ArrayList<>();
                jobs.add(first);
                int n = first.items().size();
                long deadline = System.nanoTime() + maxWaitNanos;
                while (n < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) break;
                    if (n + next.items().size() > maxBatch) {
                        carried = next;
                        break;
                    }
                    jobs.add(next);
                    n += next.items().size();
                }
                run(jobs, n);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Job j;
            while ((j = queue.poll()) != null) j.result().completeExceptionally(new Unavailable("server is shutting down"));
        }
    }

    private void run(List<Job> jobs, int n) {
        List<ScoreItem> all = new ArrayList<>(n);
        for (Job j : jobs) all.addAll(j.items());
        long t0 = System.nanoTime();
        try {
            float[][] rewards = new float[models.size()][];
            boolean[] truncated = new boolean[n];
            for (int m = 0; m < models.size(); m++) {
                List<EncodedSequence> seqs = models.get(m).encode(all);
                for (int i = 0; i < n; i++) truncated[i] |= seqs.get(i).truncated();
                rewards[m] = models.get(m).model().score(seqs, maxBatch);
            }
            scoringNanos.addAndGet(System.nanoTime() - t0);
            batches.incrementAndGet();
            items.addAndGet(n);
            requests.addAndGet(jobs.size());
            int at = 0;
            for (Job j : jobs) {
                int k = j.items().size();
                float[][] mine = new float[models.size()][];
                for (int m = 0; m < models.size(); m++) mine[m] = java.util.Arrays.copyOfRange(rewards[m], at, at + k);
                j.result().complete(new Scores(mine, java.util.Arrays.copyOfRange(truncated, at, at + k)));
                at += k;
            }
        } catch (Throwable t) {
            for (Job j : jobs) j.result().completeExceptionally(t);
            if (t instanceof Error e && !(t instanceof OutOfMemoryError)) throw e;
        }
    }

    /** Stops taking requests, scores those already queued, and waits for the scoring thread to end. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
