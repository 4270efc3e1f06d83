package io.shm4j;

import io.shm4j.internal.Futex;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Measurement, not a test (issue 4's numbers; moves to shm4j-bench's harness with issue 5). In
 * one run:
 * <ol>
 * <li>what the master's wake-up costs when nobody waits: a bare {@code FUTEX_WAKE}, and a 1 KiB
 * {@code publish}, which skips it while no follower is registered asleep;</li>
 * <li>how fast a blocked follower process wakes: {@code awaitNewer} with {@link WaitStrategy#BLOCK}
 * after a {@code publish}, vs a blocking Unix-domain-socket read after a write;</li>
 * <li>the idle CPU of a follower process waiting in {@code awaitNewer}, per strategy.</li>
 * </ol>
 * Wake-up latency is one-way: the master puts {@code System.nanoTime()} (CLOCK_MONOTONIC, one
 * clock for all processes) in the payload or the socket message; the follower subtracts it from
 * its own clock when it runs again. Rounds alternate between the two mechanisms 2 ms apart, so
 * the follower is idle before every wake-up.
 *
 * <pre>
 * ./mvnw -q -B -pl shm4j-core -am test-compile
 * ./mvnw -q -B -pl shm4j-core dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * java --enable-native-access=ALL-UNNAMED -cp "shm4j-core/target/test-classes:shm4j-core/target/classes:$(cat /tmp/cp.txt)" \
 *     io.shm4j.WakeupMeasurement [rounds=2000] [idleSeconds=12, 0 = skip]
 * </pre>
 */
public final class WakeupMeasurement {
    private static final String TAG = "wakeup";

    private WakeupMeasurement() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("follower")) {
            follower(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            return;
        }
        if (args.length > 0 && args[0].equals("idle")) {
            idle(Path.of(args[1]), WaitStrategy.valueOf(args[2]));
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        System.out.printf("machine: %d cpus, %s %s, java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
        try (TestDirectory dir = new TestDirectory();
             SharedObjectMaster<byte[]> master = SharedObject.master(TAG, ObjectCodecs.bytes(), dir.options())) {
            wakeCost(master);
            latency(master, dir.path(), rounds);
            for (WaitStrategy s : idleSeconds > 0 ? List.of(WaitStrategy.BLOCK, WaitStrategy.SPIN_THEN_BLOCK, WaitStrategy.BACKOFF)
                    : List.<WaitStrategy>of()) {
                idleCpu(dir.path(), s, idleSeconds);
            }
        }
    }

    /** The master's costs with no follower waiting: FUTEX_WAKE alone, and a whole 1 KiB publish. */
    private static void wakeCost(SharedObjectMaster<byte[]> master) {
        int n = 1_000_000;
        byte[] kib = new byte[1024];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            for (int run = 0; run < 5; run++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Futex.wakeAll(word, 0);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    master.publish(kib);
                }
                long t2 = System.nanoTime();
                System.out.printf("no waiters, run %d: FUTEX_WAKE %.0f ns, publish 1 KiB (nobody asleep: no wake) %.0f ns%n",
                        run, (t1 - t0) / (double) n, (t2 - t1) / (double) n);
            }
        }
    }

    private static void latency(SharedObjectMaster<byte[]> master, Path dir, int rounds) throws Exception {
        Path socket = dir.resolve("socket~");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            try (ChildJvm child = ChildJvm.start(WakeupMeasurement.class, "follower", dir.toString(), socket.toString(),
                    Integer.toString(rounds)); SocketChannel out = server.accept()) {
                child.awaitLine("READY", Duration.ofSeconds(30));
                ByteBuffer b = ByteBuffer.allocate(8);
                for (int i = 0; i < rounds; i++) {
                    TimeUnit.MILLISECONDS.sleep(2);
                    master.publish(ByteBuffer.allocate(8).putLong(0, System.nanoTime()).array());
                    TimeUnit.MILLISECONDS.sleep(2);
                    b.clear().putLong(0, System.nanoTime());
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
                System.out.println(child.awaitLine("awaitNewer", Duration.ofSeconds(60)));
                System.out.println(child.awaitLine("uds", Duration.ofSeconds(60)));
                child.waitFor(Duration.ofSeconds(30));
            }
        }
    }

    /** The follower process: one thread in awaitNewer (BLOCK), one in a blocking socket read. */
    private static void follower(Path dir, Path socket, int rounds) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.BLOCK);
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(TAG, ObjectCodecs.bytes(), options);
             SocketChannel in = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
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
            long seen = follower.version();
            long last = seen + rounds;
            int n = 0;
            System.out.println("READY");
            while (seen < last) { // a follower delayed past the next publish skips to the newest
                Optional<Snapshot> s = follower.awaitNewer(seen, Duration.ofSeconds(60));
                long now = System.nanoTime();
                Snapshot snapshot = s.orElseThrow();
                futex[n++] = now - ByteBuffer.wrap(snapshot.bytes()).getLong(0);
                seen = snapshot.version();
            }
            reader.join();
            System.out.println("awaitNewer BLOCK wake-up " + percentiles(Arrays.copyOf(futex, n)));
            System.out.println("uds blocking read      " + percentiles(uds));
        }
    }

    private static String percentiles(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("n=%d p10 %.1f us, p50 %.1f us, p90 %.1f us, p99 %.1f us", s.length,
                s[s.length / 10] / 1e3, s[s.length / 2] / 1e3, s[s.length * 9 / 10] / 1e3, s[s.length * 99 / 100] / 1e3);
    }

    /** CPU of a whole follower JVM whose one thread waits in awaitNewer while nothing is published. */
    private static void idleCpu(Path dir, WaitStrategy strategy, int seconds) throws Exception {
        try (ChildJvm child = ChildJvm.start(WakeupMeasurement.class, "idle", dir.toString(), strategy.name())) {
            child.awaitLine("WAITING", Duration.ofSeconds(30));
            TimeUnit.SECONDS.sleep(2); // start-up work (JIT, class loading) settles
            long before = ProcessProbe.cpuTicks(child.pid());
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(seconds);
            long ticks = ProcessProbe.cpuTicks(child.pid()) - before;
            double wall = (System.nanoTime() - t0) / 1e9;
            System.out.printf("idle %s follower: %d ticks of CPU in %.1f s = %.2f%% of a core (whole JVM)%n",
                    strategy, ticks, wall, 100.0 * ticks / ProcessProbe.TICKS_PER_SECOND / wall);
        }
    }

    private static void idle(Path dir, WaitStrategy strategy) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(dir).withWaitStrategy(strategy);
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(TAG, ObjectCodecs.bytes(), options)) {
            System.out.println("WAITING " + follower.waitStrategy());
            follower.awaitNewer(follower.version(), Duration.ofDays(1));
        }
    }
}
