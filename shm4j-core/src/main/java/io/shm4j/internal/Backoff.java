package io.shm4j.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * shm4j's one back-off: spin {@code spins} rounds ({@link Thread#onSpinWait()}), then yield
 * {@code yields} rounds, then park, {@code minParkNanos} at first, doubling every
 * {@code roundsPerDoubling} rounds up to {@code maxParkNanos}. Stateless: the caller counts the
 * rounds, so one instance serves every thread. Agrona's {@code BackoffIdleStrategy} has the same
 * three phases.
 *
 * <pre>{@code
 * for (int round = 0; !changed(); round++) {
 *     Backoff.WAIT.idle(round);
 * }
 * }</pre>
 *
 * @param spins             rounds of {@link Thread#onSpinWait()}
 * @param yields            rounds of {@link Thread#yield()} after them
 * @param minParkNanos      the first park
 * @param maxParkNanos      the longest park
 * @param roundsPerDoubling parked rounds between two doublings of the park
 */
public record Backoff(int spins, int yields, long minParkNanos, long maxParkNanos, int roundsPerDoubling) {

    /**
     * {@link io.shm4j.WaitStrategy#BACKOFF}'s default, a follower waiting for the next version,
     * which may be far off: 100 spins, 10 yields, then 1 µs doubling every round up to 1 ms.
     */
    public static final Backoff WAIT = new Backoff(100, 10, 1_000, 1_000_000, 1);

    public Backoff {
        if (spins < 0 || yields < 0 || minParkNanos <= 0 || maxParkNanos < minParkNanos || roundsPerDoubling <= 0) {
            throw new IllegalArgumentException("back-off (spins " + spins + ", yields " + yields + ", minParkNanos "
                    + minParkNanos + ", maxParkNanos " + maxParkNanos + ", roundsPerDoubling " + roundsPerDoubling
                    + "): counts must be >= 0, parks > 0 with min <= max, and roundsPerDoubling > 0");
        }
    }

    /** Idles once: round {@code round} (0, 1, ...) of one wait. */
    public void idle(int round) {
        if (round < spins) {
            Thread.onSpinWait();
        } else if (round < spins + yields) {
            Thread.yield();
        } else {
            int doublings = (round - spins - yields) / roundsPerDoubling;
            LockSupport.parkNanos(doublings >= Long.numberOfLeadingZeros(minParkNanos) - 1
                    ? maxParkNanos : Math.min(maxParkNanos, minParkNanos << doublings));
        }
    }
}
