package dev.rlhf4j.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order in which pairs are visited in one epoch, as batches of pair indices. A pure function
 * of (seed, epoch), so a resumed run visits exactly the batches the uninterrupted run would.
 */
public final class BatchPlan {
    /** Pairs per sorting window when grouping by length: big enough to group, small enough to stay random. */
    static final int WINDOW_BATCHES = 50;

    private BatchPlan() {}

    public static List<int[]> plan(int[] lengths, int batchSize, long seed, int epoch, boolean groupByLength) {
        Random rnd = new Random(seed * 1_000_003L + epoch);
        List<Integer> idx = new ArrayList<>(lengths.length);
        for (int i = 0; i < lengths.length; i++) idx.add(i);
        Collections.shuffle(idx, rnd);
        List<int[]> batches = new ArrayList<>();
        int window = groupByLength ? batchSize * WINDOW_BATCHES : batchSize;
        for (int w = 0; w < idx.size(); w += window) {
            List<Integer> part = new ArrayList<>(idx.subList(w, Math.min(idx.size(), w + window)));
            if (groupByLength) part.sort((a, b) -> Integer.compare(lengths[b], lengths[a]));
            for (int s = 0; s < part.size(); s += batchSize) {
                List<Integer> b = part.subList(s, Math.min(part.size(), s + batchSize));
                batches.add(b.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        if (groupByLength) Collections.shuffle(batches, rnd);
        return batches;
    }
}
