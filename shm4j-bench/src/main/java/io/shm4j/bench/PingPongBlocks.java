package io.shm4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bookkeeping of the in-process experiments that time a master thread publishing and a
 * follower thread acknowledging, in blocks of rounds ({@link SpinPathExperiment},
 * {@link TwoBuildsExperiment}, {@link PeerBlocksExperiment}): the stamp and acknowledgement the
 * two threads share, each block's p50 over its second half, and per label the median of the
 * blocks' p50s with its quartiles. Public for {@link PeerBlocksExperiment}'s loop, which a class
 * loader of its own defines (another runtime package).
 */
public final class PingPongBlocks {
    /**
     * Indices into the shared {@link AtomicLongArray} ({@link #newSync()}), a cache line apart: the
     * master's {@code System.nanoTime()} before each publish, and the last round the follower
     * acknowledged (0 once it has read what was published before the block, -1 until then).
     */
    public static final int SENT = 0;
    public static final int ACK = 16;

    private final Map<String, List<Long>> p50s = new TreeMap<>();

    public static AtomicLongArray newSync() {
        return new AtomicLongArray(ACK + 1);
    }

    /** Spins until {@code follower} acknowledged round {@code ack}; fails if it died. */
    public static void awaitAck(AtomicLongArray sync, long ack, Thread follower) {
        while (sync.get(ACK) < ack) {
            if (!follower.isAlive()) {
                throw new IllegalStateException(follower.getName() + " died (its exception is above)");
            }
            Thread.onSpinWait();
        }
    }

    /** The second half of a block's latencies, sorted: the first half warms the new follower up. */
    static long[] secondHalfSorted(long[] latency) {
        long[] kept = Arrays.copyOfRange(latency, latency.length / 2, latency.length);
        Arrays.sort(kept);
        return kept;
    }

    /** Records a block's p50 (second half) under {@code label} and returns it. */
    long addBlock(String label, long[] latency) {
        long[] kept = secondHalfSorted(latency);
        long p50 = kept[kept.length / 2];
        add(label, p50);
        return p50;
    }

    /** Records a figure derived from blocks (a ratio) under {@code label}. */
    void add(String label, long value) {
        p50s.computeIfAbsent(label, k -> new ArrayList<>()).add(value);
    }

    /** Per label: the median with its quartiles, and how many blocks. */
    void print() {
        p50s.forEach((label, values) -> {
            values.sort(null);
            int n = values.size();
            System.out.printf("%s: median %d (quartiles %d-%d) over %d blocks%n", label, values.get(n / 2),
                    values.get(n / 4), values.get(n * 3 / 4), n);
        });
    }
}
