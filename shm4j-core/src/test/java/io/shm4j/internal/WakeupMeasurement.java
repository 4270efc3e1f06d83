package io.shm4j.internal;

import io.shm4j.ChildJvm;
import io.shm4j.ProcessProbe;
import io.shm4j.WaitStrategy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.shm4j.internal.ObjectRegionDescriptor.COMMITTED_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.NOTIFY_OFFSET;

/**
 * Measurement, not a test: in one run, how fast a blocked waiter process wakes (a
 * {@link ChangeWaiter} with {@link WaitStrategy#BLOCK} vs a blocking Unix-domain-socket read),
 * what the master's wake-up costs with nobody waiting, and the idle CPU of a blocked waiter.
 * Moves to shm4j-bench's harness with issue 5.
 *
 * <p>Wake-up latency is one-way: the master stores {@code System.nanoTime()} (CLOCK_MONOTONIC,
 * the same clock in every process) before it publishes or writes; the waiter subtracts it from
 * its own clock when it runs again. Rounds alternate between the two mechanisms with a 2 ms
 * pause, so the waiter is idle (its CPU possibly in a sleep state) before every wake-up.
 *
 * <pre>
 * ./mvnw -q -B -pl shm4j-core -am test-compile
 * java --enable-native-access=ALL-UNNAMED -cp "shm4j-core/target/test-classes:shm4j-core/target/classes:$(cat cp.txt)" \
 *     io.shm4j.internal.WakeupMeasurement [rounds] [idleSeconds]
 * </pre>
 */
public final class WakeupMeasurement {
    private static final long T0_OFFSET = 80; // a reserved header field: the master's send time
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private WakeupMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("waiter")) {
            waiter(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("idle")) {
            idle(Path.of(args[1]), WaitStrategy.valueOf(args[2]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "shm4j-wakeup");
        Path file = dir.resolve("region");
        Path socket = dir.resolve("socket");
        Files.write(file, new byte[4096]);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment region = FutexChild.mapReadWrite(file, arena);
            System.out.printf("machine: %d cpus, %s %s, java %s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
            wakeCost(region);
            latency(region, file, socket, rounds);
            for (WaitStrategy s : List.of(WaitStrategy.BLOCK, WaitStrategy.SPIN_THEN_BLOCK, WaitStrategy.BACKOFF)) {
                idleCpu(file, s, idleSeconds);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
        }
    }

    /** Cost of the master's signal when nobody waits: the increment alone, a bare FUTEX_WAKE, both. */
    private static void wakeCost(MemorySegment region) {
        int n = 2_000_000;
        for (int run = 0; run < 5; run++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ValueLayout.JAVA_INT.varHandle().setRelease(region, (long) NOTIFY_OFFSET,
                        (int) ValueLayout.JAVA_INT.varHandle().getAcquire(region, (long) NOTIFY_OFFSET) + 1);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Futex.wakeAll(region, NOTIFY_OFFSET);
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ChangeWaiter.signal(region, NOTIFY_OFFSET);
            }
            long t3 = System.nanoTime();
            System.out.printf("no waiters, run %d: increment %.1f ns, FUTEX_WAKE %.1f ns, signal (both) %.1f ns%n",
                    run, (t1 - t0) / (double) n, (t2 - t1) / (double) n, (t3 - t2) / (double) n);
        }
    }

    private static void latency(MemorySegment region, Path file, Path socket, int rounds) throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            try (ChildJvm child = ChildJvm.start(WakeupMeasurement.class, "waiter", file.toString(), socket.toString(),
                    Integer.toString(rounds)); SocketChannel out = server.accept()) {
                child.awaitLine("READY", Duration.ofSeconds(30));
                ByteBuffer b = ByteBuffer.allocate(8);
                for (int i = 1; i <= rounds; i++) {
                    TimeUnit.MILLISECONDS.sleep(2);
                    LONG.setRelease(region, T0_OFFSET, System.nanoTime());
                    LONG.setRelease(region, (long) COMMITTED_OFFSET, (long) i);
                    ChangeWaiter.signal(region, NOTIFY_OFFSET);
                    TimeUnit.MILLISECONDS.sleep(2);
                    b.clear().putLong(0, System.nanoTime());
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
                System.out.println(child.awaitLine("futex", Duration.ofSeconds(60)));
                System.out.println(child.awaitLine("uds", Duration.ofSeconds(60)));
                child.waitFor(Duration.ofSeconds(30));
            }
        }
    }

    /** The waiting process: one thread waits on the region (BLOCK), one reads the socket. */
    private static void waiter(Path file, Path socket, int rounds) throws Exception {
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             SocketChannel in = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             ChangeWaiter waiter = ChangeWaiter.create(WaitStrategy.BLOCK)) {
            MemorySegment region = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long[] futex = new long[rounds];
            long[] uds = new long[rounds];
            Thread reader = Thread.ofPlatform().start(() -> {
                ByteBuffer b = ByteBuffer.allocate(8);
                try {
                    for (int i = 0; i < rounds; i++) {
                        b.clear();
                        while (b.hasRemaining()) {
                            in.read(b);
                        }
                        uds[i] = System.nanoTime() - b.getLong(0);
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            System.out.println("READY");
            for (int i = 1; i <= rounds; i++) {
                long v = i;
                waiter.await(region, NOTIFY_OFFSET, () -> (long) LONG.getAcquire(region, (long) COMMITTED_OFFSET) >= v, Long.MAX_VALUE);
                futex[i - 1] = System.nanoTime() - (long) LONG.getAcquire(region, T0_OFFSET);
            }
            reader.join();
            System.out.println("futex BLOCK wake-up " + percentiles(futex));
            System.out.println("uds blocking read   " + percentiles(uds));
        }
    }

    private static String percentiles(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("n=%d p10 %.1f us, p50 %.1f us, p90 %.1f us, p99 %.1f us", s.length,
                s[s.length / 10] / 1e3, s[s.length / 2] / 1e3, s[s.length * 9 / 10] / 1e3, s[s.length * 99 / 100] / 1e3);
    }

    /** Idle CPU of a process whose one thread waits with {@code strategy} and nothing is published. */
    private static void idleCpu(Path file, WaitStrategy strategy, int seconds) throws Exception {
        try (ChildJvm child = ChildJvm.start(WakeupMeasurement.class, "idle", file.toString(), strategy.name())) {
            child.awaitLine("WAITING", Duration.ofSeconds(30));
            TimeUnit.SECONDS.sleep(2); // start-up work (JIT, GC threads) settles
            long before = ProcessProbe.cpuTicks(child.pid());
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            long ticks = ProcessProbe.cpuTicks(child.pid()) - before;
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf("idle %s waiter: %d ticks of CPU in %.1f s = %.2f%% of a core (whole JVM)%n",
                    strategy, ticks, wall, 100.0 * ticks / ProcessProbe.TICKS_PER_SECOND / wall);
        }
    }

    private static void idle(Path file, WaitStrategy strategy) throws Exception {
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
             ChangeWaiter waiter = ChangeWaiter.create(strategy)) {
            MemorySegment region = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            System.out.println("WAITING " + waiter.effective());
            waiter.await(region, NOTIFY_OFFSET, () -> false, Long.MAX_VALUE);
        }
    }
}
