package io.shm4j;

import io.shm4j.internal.Backoff;

/**
 * What a polling thread does between two looks at a region that has not changed yet: spin,
 * yield, park. shm4j calls {@link #idle(int)} with the number of rounds the current wait has
 * idled so far (0 first), so an implementation can back off without keeping state, and one
 * instance serves any number of threads. A follower waiting with {@link WaitStrategy#BACKOFF}
 * (or falling back to it where kernel waits are unavailable) uses the one of its
 * {@link ShmOptions}: {@link #backoff()} unless you pass your own.
 *
 * <pre>{@code
 * // after a short spin, look every 100 µs: about 100 µs of latency, little CPU
 * IdleStrategy every100us = round -> {
 *     if (round < 50) Thread.onSpinWait(); else LockSupport.parkNanos(100_000);
 * };
 * ShmOptions opts = ShmOptions.defaults()
 *         .withWaitStrategy(WaitStrategy.BACKOFF)
 *         .withIdleStrategy(every100us);
 * }</pre>
 *
 * <p>Agrona's {@code IdleStrategy} without {@code reset()}: the round number is the state. The
 * wait's timeout and the follower's {@code close()} are checked between rounds, so a round should
 * be short (a millisecond or so), and it must not throw.
 */
@FunctionalInterface
public interface IdleStrategy {

    /**
     * Idles once.
     *
     * @param round how many rounds this wait has idled already: 0, 1, 2, ...
     */
    void idle(int round);

    /**
     * The default: 100 spins, 10 yields, then parks of 1 µs doubling every round up to 1 ms.
     * Latency up to about a millisecond when idle; a thousand wake-ups a second.
     */
    static IdleStrategy backoff() {
        return Backoff.WAIT::idle;
    }

    /**
     * Spins {@code spins} rounds, then yields {@code yields} rounds, then parks:
     * {@code minParkNanos} at first, doubling every {@code roundsPerDoubling} rounds up to
     * {@code maxParkNanos}.
     *
     * <pre>{@code
     * IdleStrategy gentle = IdleStrategy.backoff(10, 10, 10_000, 10_000_000, 1);   // parks 10 µs .. 10 ms
     * }</pre>
     *
     * @throws IllegalArgumentException if a count is negative, a park not positive, min above max,
     *                                  or {@code roundsPerDoubling} not positive
     */
    static IdleStrategy backoff(int spins, int yields, long minParkNanos, long maxParkNanos, int roundsPerDoubling) {
        return new Backoff(spins, yields, minParkNanos, maxParkNanos, roundsPerDoubling)::idle;
    }
}
