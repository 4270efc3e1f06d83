package io.shm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A publish time is the wall clock: never later than a wall-clock reading taken after it, and not
 * far earlier than one taken before it, whether every read takes a new anchor or reads share one
 * across several anchor intervals.
 */
class PublishClockTest {
    /**
     * How much earlier than the wall clock a publish time may be: the anchor's two reads are
     * apart by under 100 ns, or 10 µs after a preemption; a second bounds it on the busiest
     * machine (eight preempted pairs in a row) and still catches a wrong unit or offset.
     */
    private static final long EARLY_BOUND_NANOS = 1_000_000_000L;

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1_000_000, PublishClock.ANCHOR_INTERVAL_NANOS})
    void readsTheWallClockNeverLaterThanIt(long anchorIntervalNanos) throws InterruptedException {
        PublishClock clock = new PublishClock(anchorIntervalNanos);
        long end = System.nanoTime() + 3 * PublishClock.ANCHOR_INTERVAL_NANOS; // three anchors at least
        int reads = 0;
        while (System.nanoTime() < end || reads < 1000) {
            long before = epochNanos(Instant.now());
            long published = clock.epochNanos();
            long after = epochNanos(Instant.now());
            assertThat(published).as("read %d", reads).isLessThanOrEqualTo(after).isGreaterThanOrEqualTo(before - EARLY_BOUND_NANOS);
            if (++reads % 100 == 0) {
                Thread.sleep(1); // spans anchor intervals without a million reads
            }
        }
    }
}
