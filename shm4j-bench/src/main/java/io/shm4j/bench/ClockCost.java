package io.shm4j.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Instant;

/**
 * What one read of each JDK clock costs on this machine (docs/BENCHMARKS.md, "The slot by a
 * branch, and the spinning follower's way back"): a master's publish reads {@link Instant#now()}
 * for the version's publish time before it commits, and a follower's wait read
 * {@link System#nanoTime()} and {@link System#currentTimeMillis()}. Also the C library's
 * {@code clock_gettime(CLOCK_REALTIME)} through a critical FFM downcall: the wall clock without
 * the JDK's native call ("64 B: levels by peer, and the publish time's clock read"). Five rounds
 * of 5,000,000 calls each; prints ns per call.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.ClockCost
 * </pre>
 */
public final class ClockCost {
    private static final int CALLS = 5_000_000;

    private ClockCost() {
    }

    private static final int CLOCK_REALTIME = 0;

    public static void main(String[] args) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle clockGettime = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
                Linker.Option.critical(false));
        MemorySegment timespec = Arena.global().allocate(16, 8);
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
            for (int i = 0; i < CALLS; i++) {
                sink += (int) clockGettime.invokeExact(CLOCK_REALTIME, timespec) + timespec.get(ValueLayout.JAVA_LONG, 8);
            }
            long t4 = System.nanoTime();
            System.out.printf("Instant.now() %.1f ns, System.nanoTime() %.1f ns, System.currentTimeMillis() %.1f ns,"
                            + " clock_gettime(CLOCK_REALTIME) by FFM %.1f ns%n",
                    (t1 - t0) / (double) CALLS, (t2 - t1) / (double) CALLS, (t3 - t2) / (double) CALLS,
                    (t4 - t3) / (double) CALLS);
        }
        if (sink == 42) {
            System.out.println(); // keeps the calls
        }
    }
}
