package io.shm4j.bench;

import java.time.Instant;

/**
 * What one read of each JDK clock costs on this machine (docs/BENCHMARKS.md, "The slot by a
 * branch, and the spinning follower's way back"): a master's publish reads {@link Instant#now()}
 * for the version's publish time before it commits, and a follower's wait read
 * {@link System#nanoTime()} and {@link System#currentTimeMillis()}. Five rounds of 5,000,000
 * calls each; prints ns per call.
 *
 * <pre>
 * java -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.ClockCost
 * </pre>
 */
public final class ClockCost {
    private static final int CALLS = 5_000_000;

    private ClockCost() {
    }

    public static void main(String[] args) {
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += Instant.now().getNano();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += System.nanoTime();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                sink += System.currentTimeMillis();
            }
            long t3 = System.nanoTime();
            System.out.printf("Instant.now() %.1f ns, System.nanoTime() %.1f ns, System.currentTimeMillis() %.1f ns%n",
                    (t1 - t0) / (double) CALLS, (t2 - t1) / (double) CALLS, (t3 - t2) / (double) CALLS);
        }
        if (sink == 42) {
            System.out.println(); // keeps the calls
        }
    }
}
