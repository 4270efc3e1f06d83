package io.shm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * How fast this machine moves cache lines between cores right now. On this project's virtual
 * machine that flips, seconds to minutes apart, between two states (docs/BENCHMARKS.md, "The
 * machine's two states"): a copy into memory another core has just read takes about 3x as long
 * as the same copy alone in one state and 6-13x in the other, while the copy alone does not
 * change. Every shared-memory peer's latency follows the state, so the harness probes it before
 * and after each case and compares peers only within a state.
 *
 * <p>Two threads in this JVM, each spinning, so that on an otherwise idle machine they run on
 * different cores: a reader copies a {@value #BYTES}-byte buffer out after every rewrite, a
 * writer rewrites it. {@link #sharedCopyRatio} is the writer's copy (into lines the reader holds)
 * over the same copy into memory no other thread touches, both p50 over {@value #ROUNDS} rounds.
 *
 * <pre>
 * java -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.CoherenceProbe [SECONDS=60]
 * </pre>
 */
public final class CoherenceProbe {
    /**
     * Above this ratio the machine is in its slow state. Measured with this class's main, warm:
     * fast 2.4-3.2, slow 6.2-13.6 (docs/BENCHMARKS.md, "The machine's two states"). The harness's
     * probes show two slow levels, 4-9 and 15-34, judged as one state: the machine moves between
     * them within cases, and a third state left most pairs unjudged ("The herd's p99, run by run").
     */
    static final double SLOW_ABOVE = 5.0;
    private static final int BYTES = 64 * 1024;
    private static final int ROUNDS = 400;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** The state of the machine during a case: one state before and after it, or a change. */
    public enum State {
        FAST, SLOW, CHANGED;

        /** The state from the probes before and after a case. */
        public static State of(double before, double after) {
            State first = of(before);
            return first == of(after) ? first : CHANGED;
        }

        /** The state one probe found. */
        public static State of(double sharedCopyRatio) {
            return sharedCopyRatio > SLOW_ABOVE ? SLOW : FAST;
        }
    }

    /** Whether this JVM has probed once: the first probe runs interpreted copies and reads too low. */
    private static boolean warm;

    private CoherenceProbe() {
    }

    /** The writer's copy into lines another core has just read, over the same copy alone (p50 each). */
    public static synchronized double sharedCopyRatio() throws InterruptedException {
        if (!warm) {
            measure();
            warm = true;
        }
        return measure();
    }

    private static double measure() throws InterruptedException {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment shared = arena.allocate(BYTES, 4096);
            MemorySegment alone = arena.allocate(BYTES, 4096);
            MemorySegment turn = arena.allocate(64, 64); // even: the writer's turn, odd: the reader's
            byte[] source = new byte[BYTES];
            Arrays.fill(source, (byte) 1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                byte[] copy = new byte[BYTES];
                for (long t = 1; t < 2L * ROUNDS; t += 2) {
                    while ((long) LONG.getAcquire(turn, 0L) != t) {
                        Thread.onSpinWait();
                    }
                    MemorySegment.copy(shared, ValueLayout.JAVA_BYTE, 0, copy, 0, BYTES);
                    LONG.setRelease(turn, 0L, t + 1);
                }
            });
            long[] sharedNanos = new long[ROUNDS];
            long[] aloneNanos = new long[ROUNDS];
            for (int i = 0; i < ROUNDS; i++) {
                while ((long) LONG.getAcquire(turn, 0L) != 2L * i) {
                    Thread.onSpinWait();
                }
                // Both copies while the reader only spins on `turn`.
                long start = System.nanoTime();
                MemorySegment.copy(source, 0, alone, ValueLayout.JAVA_BYTE, 0, BYTES);
                long between = System.nanoTime();
                MemorySegment.copy(source, 0, shared, ValueLayout.JAVA_BYTE, 0, BYTES);
                long end = System.nanoTime();
                LONG.setRelease(turn, 0L, 2L * i + 1);
                aloneNanos[i] = between - start;
                sharedNanos[i] = end - between;
            }
            reader.join();
            return (double) median(sharedNanos) / Math.max(1, median(aloneNanos));
        }
    }

    private static long median(long[] samples) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            long start = System.nanoTime();
            double ratio = sharedCopyRatio();
            System.out.printf("%tT shared copy / copy alone %.2f (%s), probe took %d ms%n", System.currentTimeMillis(),
                    ratio, State.of(ratio), (System.nanoTime() - start) / 1_000_000);
            Thread.sleep(1000);
        }
    }
}
