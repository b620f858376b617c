package dev.rlhf4j.spark;

import org.apache.spark.Partitioner;

/** Record i of n goes to partition ⌊i·P/n⌋: contiguous ranges, so part files come out in input order. */
final class IndexRanges extends Partitioner {
    private final int parts;
    private final long n;

    IndexRanges(int parts, long n) {
        this.parts = parts;
        this.n = Math.max(1, n);
    }

    @Override
    public int numPartitions() {
        return parts;
    }

    @Override
    public int getPartition(Object key) {
        long i = (Long) key;
        return (int) Math.min(parts - 1, i * parts / n);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexRanges r && r.parts == parts && r.n == n;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(31L * parts + n);
    }
}
