package io.shm4j.internal;

import java.time.Instant;

/**
 * The wall clock a master reads for each version's publish time (FORMAT.md 3.2,
 * {@code publishTime}): nanoseconds since the Unix epoch, at the cost of {@link System#nanoTime()}.
 * One per master, used under its lock: not thread-safe.
 *
 * <p>Why not {@link Instant#now()} on every publish: a publish reads the clock before its commit,
 * so every follower waits for that read, and {@code Instant.now()} reaches the wall clock through
 * a native call, 32-41 ns on the test VM against 24-26 ns for {@code nanoTime()}. At 64 B that
 * difference is 4-6% of a spinning follower's publish→copied time (docs/BENCHMARKS.md, "64 B:
 * levels by peer, and the publish time's clock read").
 *
 * <p>Why a sum is the wall clock: Linux advances {@code CLOCK_MONOTONIC} ({@code nanoTime()}) and
 * {@code CLOCK_REALTIME} at one rate, NTP's slewing included; only a step of the wall clock
 * (setting the time, a leap second) moves one against the other. So this clock adds the
 * {@code nanoTime()} elapsed since an anchor (a wall-clock reading paired with a
 * {@code nanoTime()}) and takes a new anchor every {@link #ANCHOR_INTERVAL_NANOS}: a step shows
 * in publish times at most that much later. An anchor pairs the wall clock with the
 * {@code nanoTime()} read just <em>after</em> it, so a publish time is never later than the wall
 * clock (FORMAT.md 3.3 takes it as a lower bound of a follower's read time), and earlier by at
 * most the time between the two reads: under 100 ns unless the thread was preempted between
 * them, when the pair is taken again.
 */
final class PublishClock {
    /** How long an anchor is used: 100 ms, the most a step of the wall clock goes unseen. */
    static final long ANCHOR_INTERVAL_NANOS = 100_000_000L;
    /** An anchor whose two reads are further apart (a preemption between them) is taken again... */
    private static final long MAX_ANCHOR_SPREAD_NANOS = 10_000L;
    /** ...at most this often; then the closest pair is kept (on a machine whose clock reads are that slow). */
    private static final int ANCHOR_ATTEMPTS = 8;

    private final long anchorIntervalNanos;
    private long anchorNanoTime;
    private long anchorEpochNanos;

    PublishClock() {
        this(ANCHOR_INTERVAL_NANOS);
    }

    /** With another anchor interval: tests use 0 (an anchor on every read). */
    PublishClock(long anchorIntervalNanos) {
        this.anchorIntervalNanos = anchorIntervalNanos;
        anchor();
    }

    /** Now, in nanoseconds since the Unix epoch. */
    long epochNanos() {
        long now = System.nanoTime();
        if (now - anchorNanoTime >= anchorIntervalNanos) {
            anchor();
        }
        return anchorEpochNanos + (now - anchorNanoTime);
    }

    private void anchor() {
        long bestSpread = Long.MAX_VALUE;
        for (int attempt = 0; attempt < ANCHOR_ATTEMPTS && bestSpread > MAX_ANCHOR_SPREAD_NANOS; attempt++) {
            long before = System.nanoTime();
            Instant wall = Instant.now();
            long after = System.nanoTime();
            if (after - before < bestSpread) {
                bestSpread = after - before;
                anchorNanoTime = after;
                anchorEpochNanos = wall.getEpochSecond() * 1_000_000_000L + wall.getNano();
            }
        }
    }
}
