package io.shm4j;

/**
 * How a follower waits for the next version: the trade between wake-up latency and the CPU a
 * waiting thread burns. Chosen per follower; every strategy gives the same results, only speed
 * and cost differ.
 *
 * <pre>{@code
 * ShmOptions opts = ShmOptions.defaults().withWaitStrategy(WaitStrategy.BUSY_SPIN);
 * }</pre>
 *
 * <p>{@link #BLOCK} and {@link #SPIN_THEN_BLOCK} sleep in the kernel on a Linux futex in the
 * region's header, which the master wakes after each publish. This needs native access: the
 * JDK prints one warning unless the application runs with
 * {@code --enable-native-access=ALL-UNNAMED} (or the module's name), or its jar's manifest has
 * {@code Enable-Native-Access: ALL-UNNAMED}, as shm4j's CLI jar does. Where futexes are not
 * available (not Linux, native access denied, or {@code -Dshm4j.futex=false}) they poll with
 * {@link #BACKOFF} instead, after one logged notice.
 */
public enum WaitStrategy {
    /**
     * Polls without pause ({@link Thread#onSpinWait()}): the lowest latency, at the price of a
     * whole core while waiting.
     */
    BUSY_SPIN,
    /** Polls, yielding the CPU between checks: low latency, a busy core when nothing else runs. */
    YIELD,
    /**
     * Spins, then yields, then parks with pauses growing to 1 ms: latency up to about a
     * millisecond when idle, a little CPU (wake-ups about a thousand times a second).
     */
    BACKOFF,
    /** Sleeps in the kernel (futex) until the master's wake-up: no CPU while idle. */
    BLOCK,
    /**
     * The default: spins for a few microseconds (catching versions published in quick
     * succession), then sleeps as {@link #BLOCK} does.
     */
    SPIN_THEN_BLOCK
}
