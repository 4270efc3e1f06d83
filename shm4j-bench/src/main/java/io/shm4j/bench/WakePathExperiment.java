package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.WaitStrategy;
import io.shm4j.internal.Futex;
import io.shm4j.internal.ObjectRegionDescriptor;
import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Where an idle follower's wake-up time goes (docs/BENCHMARKS.md, "Issue 4 re-runs"): a master
 * JVM wakes a follower JVM {@code ROUNDS} times, 2 ms apart, and spins until acknowledged, as the
 * harness's master does. Modes:
 * <ul>
 * <li>{@code bare}: both sides call {@link Futex} directly on a word of a scratch file;</li>
 * <li>{@code mixed}: the master publishes through {@link SharedObjectMaster}, the follower does a
 * bare {@code FUTEX_WAIT} on the region's notify word (its asleep bit set in the follower registry);</li>
 * <li>{@code shm4j}: {@code publish} and {@code awaitNewer} with {@link WaitStrategy#BLOCK}.</li>
 * </ul>
 * Before the measured rounds come {@code WARMUP} rounds without the pause (the follower rarely
 * sleeps then), so that the JIT has compiled both sides' paths: with 2,000 rounds and no warm-up,
 * C2 had not compiled shm4j's publish and read paths and the {@code shm4j} mode took 13-16 µs
 * instead of 4 µs. Prints the one-way wake-up latency (p50, p90; the first quarter of the
 * measured rounds dropped) and how long the master's waking call took.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.WakePathExperiment bare|mixed|shm4j [ROUNDS=2000] [WARMUP=0]
 * </pre>
 */
public final class WakePathExperiment {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final String TAG = "wake";
    /** Scratch-file offsets: the bare futex word, the master's stamp, the acknowledgement, the latency. */
    private static final long WORD = 0;
    private static final long SENT = 64;
    private static final long ACK = 128;
    private static final long LATENCY = 192;

    private WakePathExperiment() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        if (args.length > 3) {
            follower(mode, warmup + rounds, Path.of(args[3]));
        } else {
            master(mode, rounds, warmup);
        }
    }

    private static void master(String mode, int rounds, int warmup) throws Exception {
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "wake-path");
        try (Arena arena = Arena.ofShared()) {
            MemorySegment scratch = scratch(dir, arena);
            ShmOptions options = options(dir);
            try (SharedObjectMaster<byte[]> publisher = mode.equals("bare") ? null
                    : SharedObject.master(TAG, ObjectCodecs.bytes(), options)) {
                byte[] payload = new byte[1024];
                if (publisher != null) {
                    publisher.publish(payload);
                }
                Process follower = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        WakePathExperiment.class.getName(), mode, Integer.toString(rounds), Integer.toString(warmup), dir.toString())
                        .inheritIO().start();
                Thread.sleep(1500);
                long[] latency = new long[rounds];
                long[] wakeCall = new long[rounds];
                for (int i = 1; i <= warmup + rounds; i++) {
                    if (i > warmup) {
                        LockSupport.parkNanos(2_000_000);
                    }
                    LONG.setRelease(scratch, SENT, System.nanoTime());
                    long t0 = System.nanoTime();
                    if (publisher == null) {
                        INT.setRelease(scratch, WORD, i);
                        Futex.wakeAll(scratch, WORD);
                    } else {
                        publisher.publish(payload);
                    }
                    long called = System.nanoTime() - t0;
                    while ((long) LONG.getAcquire(scratch, ACK) < i) {
                        Thread.onSpinWait();
                    }
                    if (i > warmup) {
                        wakeCall[i - warmup - 1] = called;
                        latency[i - warmup - 1] = (long) LONG.getAcquire(scratch, LATENCY);
                    }
                }
                follower.waitFor();
                System.out.printf("%s: wake-up p50 %.1f us p90 %.1f us; master's waking call p50 %.2f us p90 %.2f us%n",
                        mode, percentile(latency, 50), percentile(latency, 90), percentile(wakeCall, 50), percentile(wakeCall, 90));
            }
        } finally {
            CaseRunner.deleteRecursively(dir);
        }
    }

    private static void follower(String mode, int rounds, Path dir) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment scratch = scratch(dir, arena);
            switch (mode) {
                case "bare" -> {
                    for (int i = 1; i <= rounds; i++) {
                        int seen;
                        while ((seen = (int) INT.getAcquire(scratch, WORD)) < i) {
                            Futex.await(scratch, WORD, seen, 1_000_000_000L);
                        }
                        acknowledge(scratch, i);
                    }
                }
                case "mixed" -> {
                    Path file = dir.resolve(TAG);
                    MemorySegment region;
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        region = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                    }
                    FollowerRegistry.open(file, options(dir), true).register("wake-path", FollowerRegistryDescriptor.LANGUAGE_JAVA).asleep();
                    long seen = committed(region);
                    for (int i = 1; i <= rounds; i++) {
                        while (true) {
                            int word = (int) INT.getAcquire(region, (long) ObjectRegionDescriptor.NOTIFY_OFFSET);
                            long committed = committed(region);
                            if (committed > seen) {
                                seen = committed;
                                break;
                            }
                            Futex.await(region, ObjectRegionDescriptor.NOTIFY_OFFSET, word, 1_000_000_000L);
                        }
                        acknowledge(scratch, i);
                    }
                }
                case "shm4j" -> {
                    try (var f = SharedObject.follower(TAG, ObjectCodecs.bytes(), options(dir))) {
                        long seen = f.version();
                        for (int i = 1; i <= rounds; i++) {
                            seen = f.awaitNewer(seen, Duration.ofMinutes(1)).orElseThrow().version();
                            acknowledge(scratch, i);
                        }
                    }
                }
                default -> throw new IllegalArgumentException("mode is bare, mixed or shm4j, not " + mode);
            }
        }
    }

    private static void acknowledge(MemorySegment scratch, int round) {
        long now = System.nanoTime();
        LONG.setRelease(scratch, LATENCY, now - (long) LONG.getAcquire(scratch, SENT));
        LONG.setRelease(scratch, ACK, (long) round);
    }

    private static long committed(MemorySegment region) {
        return (long) ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle()
                .getAcquire(region, (long) ObjectRegionDescriptor.COMMITTED_OFFSET);
    }

    private static MemorySegment scratch(Path dir, Arena arena) throws Exception {
        Path file = dir.resolve("scratch");
        if (!Files.exists(file)) {
            Files.write(file, new byte[4096]);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
        }
    }

    private static ShmOptions options(Path dir) {
        return ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.BLOCK);
    }

    /** The {@code p}th percentile in microseconds, without the first quarter (warm-up). */
    private static double percentile(long[] nanos, int p) {
        long[] kept = Arrays.copyOfRange(nanos, nanos.length / 4, nanos.length);
        Arrays.sort(kept);
        return kept[Math.min(kept.length - 1, kept.length * p / 100)] / 1e3;
    }
}
