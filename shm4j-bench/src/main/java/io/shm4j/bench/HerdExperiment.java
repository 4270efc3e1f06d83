package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;
import io.shm4j.internal.Futex;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * What waking N sleeping follower JVMs costs, waker by waker (docs/BENCHMARKS.md, "Sixteen
 * followers: the herd"): bare futex calls on a scratch file, no shm4j region, so that only the
 * way of waking differs. A master JVM publishes a round (a sequence number, its send time and
 * 1 KiB), wakes the followers one of the ways below, and spins until every follower acknowledged;
 * each follower sleeps in {@code FUTEX_WAIT} (its bit set in an asleep bitmap, as shm4j's
 * followers do), copies the 1 KiB and its CRC-32 into its heap, and stores its latency. The ways
 * take turns in blocks of {@code BLOCK} rounds, so every way meets the same machine state; the
 * first {@code WARMUP} rounds ({@code -Dherd.warmup}, default 20,000) are not counted.
 * <ul>
 * <li>{@code all}: one {@code FUTEX_WAKE(INT_MAX)} (what shm4j does);</li>
 * <li>{@code seq}: the master calls {@code FUTEX_WAKE(1)} until it wakes nobody;</li>
 * <li>{@code chain1}, {@code chain2}: the master wakes 1 (2); each follower woken with news wakes
 * one more before it reads;</li>
 * <li>{@code perword}: each follower sleeps on a word of its own; the master increments and wakes
 * the word of each follower whose bit is set, one after the other (as a server writes N sockets);</li>
 * <li>{@code shm4j}: the master publishes the 1 KiB with {@code SharedObjectMaster.publish}, each
 * follower waits in {@code awaitNewer(SnapshotBuffer)} with {@link WaitStrategy#BLOCK};</li>
 * <li>{@code uds}: the reference: the master writes the round and the 1 KiB to a Unix domain
 * socket per follower, one after the other; each follower blocks in {@code read}.</li>
 * </ul>
 * Prints per way the p50, p99 and p99.9 over all followers' samples, the median of each round's
 * slowest follower, the master's waking time, and per round the context switches, CPU time and
 * run-queue wait of the master's thread and of all followers' threads together. The followers run
 * with {@code -XX:+PreserveFramePointer}, so that {@code perf record -g} walks their Java frames
 * (with {@code jcmd PID Compiler.perfmap} for the names).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.HerdExperiment [FOLLOWERS=16] [ROUNDS=20000] [WAYS=all,seq,chain1,chain2,perword,shm4j,uds] [PAUSE_US=0]
 * </pre>
 */
public final class HerdExperiment {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final int BLOCK = 50;
    /** Rounds before the measured ones: enough for C2 to compile shm4j's paths in every way's blocks. */
    private static final int WARMUP = Integer.getInteger("herd.warmup", 20_000) / BLOCK * BLOCK;
    private static final int PAYLOAD = 1024;
    /** Per thread: voluntary and involuntary switches, CPU time, run-queue wait ({@link #switches()}). */
    private static final int COUNTERS = 4;
    /** Scratch layout: the shared word, the asleep bitmap, the round, its send time, the payload, per-follower slots. */
    private static final long WORD = 0;
    private static final long BITMAP = 64;
    private static final long ROUND = 128;
    private static final long SENT = 136;
    private static final long DATA = 4096;
    private static final long SLOTS = 8192;
    private static final long SLOT = 128;
    private static final long LENGTH = SLOTS + SLOT * 64;

    private HerdExperiment() {
    }

    public static void main(String[] args) throws Exception {
        int followers = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        String[] ways = (args.length > 2 ? args[2] : "all,seq,chain1,chain2,perword,shm4j,uds").split(",");
        long pauseMicros = args.length > 3 ? Long.parseLong(args[3]) : 0;
        if (args.length > 5) {
            follower(Path.of(args[4]), Integer.parseInt(args[5]), ways, WARMUP + rounds);
        } else {
            master(followers, rounds, ways, pauseMicros);
        }
    }

    private static String way(String[] ways, long round) {
        return ways[(int) ((round / BLOCK) % ways.length)];
    }

    private static void master(int followers, int rounds, String[] ways, long pauseMicros) throws Exception {
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "herd");
        List<Process> children = new ArrayList<>();
        try (Arena arena = Arena.ofShared();
             ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             SharedObjectMaster<byte[]> shm4j = SharedObject.master("herd", ObjectCodecs.bytes(), options(dir))) {
            MemorySegment s = scratch(dir, arena);
            byte[] payload = new byte[PAYLOAD];
            shm4j.publish(payload);
            server.bind(UnixDomainSocketAddress.of(dir.resolve("socket")));
            for (int i = 0; i < followers; i++) {
                children.add(new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                        "-XX:+UseSerialGC", "-XX:+PreserveFramePointer", "--enable-native-access=ALL-UNNAMED", "-Dherd.warmup=" + WARMUP,
                        "-cp", System.getProperty("java.class.path"),
                        HerdExperiment.class.getName(), Integer.toString(followers), Integer.toString(rounds),
                        String.join(",", ways), "0", dir.toString(), Integer.toString(i))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start());
            }
            SocketChannel[] sockets = new SocketChannel[followers];
            for (int i = 0; i < followers; i++) {
                SocketChannel c = server.accept();
                ByteBuffer index = ByteBuffer.allocate(4);
                while (index.hasRemaining()) {
                    c.read(index);
                }
                sockets[index.flip().getInt()] = c;
            }
            ByteBuffer message = ByteBuffer.allocateDirect(8 + PAYLOAD);
            for (int i = 0; i < followers; i++) {
                while ((long) LONG.getAcquire(s, slot(i) + 8) == 0) {
                    Thread.sleep(1);
                }
            }
            int total = WARMUP + rounds;
            int perWay = rounds / ways.length + BLOCK;
            long[][] latency = new long[ways.length][perWay * followers];
            long[][] slowest = new long[ways.length][perWay];
            long[][] waking = new long[ways.length][perWay];
            int[] count = new int[ways.length];
            long[][] switches = new long[ways.length][COUNTERS];
            long[] before = switches();
            for (long r = 1; r <= total; r++) {
                if (r == WARMUP + 1) {
                    System.err.println("herd: warm-up done, measuring");
                }
                String way = way(ways, r);
                int w = Arrays.asList(ways).indexOf(way);
                MemorySegment.copy(s, DATA, s, DATA, PAYLOAD);
                LONG.setRelease(s, SENT, System.nanoTime());
                LONG.setRelease(s, ROUND, r);
                long t0 = System.nanoTime();
                if (way.equals("shm4j")) {
                    shm4j.publish(payload);
                } else if (way.equals("uds")) {
                    for (SocketChannel c : sockets) {
                        message.clear().putLong(0, r);
                        while (message.hasRemaining()) {
                            c.write(message);
                        }
                    }
                } else if (way.equals("perword")) {
                    VarHandle.fullFence();
                    int bits = (int) INT.getVolatile(s, BITMAP);
                    for (int i = 0; i < followers; i++) {
                        if ((bits & (1 << i)) != 0) {
                            INT.setRelease(s, slot(i), (int) INT.getAcquire(s, slot(i)) + 1);
                            Futex.wake(s, slot(i), 1);
                        }
                    }
                } else {
                    INT.setRelease(s, WORD, (int) INT.getAcquire(s, WORD) + 1);
                    VarHandle.fullFence();
                    if ((int) INT.getVolatile(s, BITMAP) != 0) {
                        switch (way) {
                            case "all" -> Futex.wakeAll(s, WORD);
                            case "seq" -> {
                                int n = 0;
                                while (Futex.wake(s, WORD, 1) == 1 && ++n < followers) {
                                    // one at a time, as a server writes socket after socket
                                }
                            }
                            case "chain1" -> Futex.wake(s, WORD, 1);
                            case "chain2" -> Futex.wake(s, WORD, 2);
                            default -> throw new IllegalArgumentException("unknown way " + way);
                        }
                    }
                }
                long called = System.nanoTime() - t0;
                for (int i = 0; i < followers; i++) {
                    for (int idle = 0; (long) LONG.getAcquire(s, slot(i) + 8) < r + 1; idle++) {
                        if (idle < 2_000) {
                            Thread.onSpinWait();
                        } else if (idle < 2_200) {
                            Thread.yield();
                        } else {
                            LockSupport.parkNanos(20_000);
                        }
                    }
                }
                if (r > WARMUP && r % BLOCK != 0) { // a block's first round follows the counters' reading (slow)
                    int c = count[w]++;
                    long max = 0;
                    for (int i = 0; i < followers; i++) {
                        long l = (long) LONG.getAcquire(s, slot(i) + 16);
                        latency[w][c * followers + i] = l;
                        max = Math.max(max, l);
                    }
                    slowest[w][c] = max;
                    waking[w][c] = called;
                }
                if (r % BLOCK == BLOCK - 1) { // a block's last round
                    long[] now = switches();
                    if (r > WARMUP) {
                        add(switches[w], now, before);
                    }
                    before = now;
                }
                if (pauseMicros > 0) {
                    LockSupport.parkNanos(pauseMicros * 1000);
                }
            }
            long[][] followerSwitches = new long[ways.length][COUNTERS];
            for (Process p : children) {
                String line = new String(p.getInputStream().readAllBytes()).strip();
                for (String part : line.split(" ")) {
                    String[] f = part.split(":");
                    int w = Arrays.asList(ways).indexOf(f[0]);
                    for (int k = 0; k < COUNTERS; k++) {
                        followerSwitches[w][k] += Long.parseLong(f[1 + k]);
                    }
                }
                p.waitFor();
            }
            System.out.printf("%d followers, %d rounds (+%d warm-up), blocks of %d, pause %d us; load %s%n", followers, rounds,
                    WARMUP, BLOCK, pauseMicros, Files.readString(Path.of("/proc/loadavg")).strip());
            System.out.println("way       p50 us   p99 us  p99.9 us  slowest p50  waking p50 us | per round: master vol/invol, CPU us, queued us"
                    + " | followers' vol/invol, CPU us, queued us (all followers)");
            for (int w = 0; w < ways.length; w++) {
                long[] l = Arrays.copyOf(latency[w], count[w] * followers);
                double rounds1 = count[w] / (double) (BLOCK - 1) * BLOCK; // rounds of the counted blocks
                long[] m = switches[w];
                long[] f = followerSwitches[w];
                System.out.printf("%-8s %8.1f %8.1f %9.1f %12.1f %14.2f | %5.2f / %5.2f %7.1f %7.1f | %6.2f / %5.2f %7.1f %8.1f%n", ways[w],
                        pct(l, 50), pct(l, 99), pct(l, 99.9), pct(Arrays.copyOf(slowest[w], count[w]), 50),
                        pct(Arrays.copyOf(waking[w], count[w]), 50),
                        m[0] / rounds1, m[1] / rounds1, m[2] / rounds1 / 1e3, m[3] / rounds1 / 1e3,
                        f[0] / rounds1, f[1] / rounds1, f[2] / rounds1 / 1e3, f[3] / rounds1 / 1e3);
            }
        } finally {
            for (Process p : children) {
                p.destroyForcibly();
            }
            CaseRunner.deleteRecursively(dir);
        }
    }

    private static void follower(Path dir, int index, String[] ways, int total) throws Exception {
        try (Arena arena = Arena.ofShared(); SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
             SharedObjectFollower<byte[]> shm4j = SharedObject.follower("herd", ObjectCodecs.bytes(), options(dir))) {
            MemorySegment s = scratch(dir, arena);
            SnapshotBuffer buffer = new SnapshotBuffer();
            shm4j.readNewer(buffer);
            socket.connect(UnixDomainSocketAddress.of(dir.resolve("socket")));
            ByteBuffer index4 = ByteBuffer.allocate(4).putInt(0, index);
            while (index4.hasRemaining()) {
                socket.write(index4);
            }
            ByteBuffer message = ByteBuffer.allocateDirect(8 + PAYLOAD);
            byte[] copy = new byte[PAYLOAD];
            CRC32 crc = new CRC32();
            long[][] switches = new long[ways.length][COUNTERS];
            long[] before = switches();
            int bit = 1 << index;
            long seen = 0;
            LONG.setRelease(s, slot(index) + 8, 1L);
            boolean asleep = false;
            while (seen < total) {
                String way = way(ways, seen + 1);
                boolean delivered = way.equals("uds") || way.equals("shm4j"); // the payload came with the wake-up
                if (way.equals("shm4j")) {
                    while (!shm4j.awaitNewer(buffer, java.time.Duration.ofMinutes(1))) {
                        // wait on
                    }
                    System.arraycopy(buffer.array(), 0, copy, 0, PAYLOAD);
                } else if (delivered) {
                    message.clear();
                    while (message.hasRemaining()) {
                        socket.read(message);
                    }
                    message.flip().position(8).get(copy);
                }
                long word = way.equals("perword") ? slot(index) : WORD;
                if (!asleep && !delivered) {
                    INT.getAndBitwiseOr(s, BITMAP, bit);
                    asleep = true;
                }
                int expected = (int) INT.getAcquire(s, word);
                if ((long) LONG.getAcquire(s, ROUND) > seen) {
                    if (asleep) {
                        INT.getAndBitwiseAnd(s, BITMAP, ~bit);
                        asleep = false;
                    }
                    seen++;
                    if (!delivered) {
                        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, DATA, copy, 0, PAYLOAD);
                    }
                    crc.reset();
                    crc.update(copy);
                    long latency = System.nanoTime() - (long) LONG.getAcquire(s, SENT) + (crc.getValue() & 0);
                    LONG.setRelease(s, slot(index) + 16, latency);
                    LONG.setRelease(s, slot(index) + 8, seen + 1);
                    if (seen % BLOCK == BLOCK - 1) { // a block's last round
                        long[] now = switches();
                        if (seen > WARMUP) {
                            int w = Arrays.asList(ways).indexOf(way);
                            add(switches[w], now, before);
                        }
                        before = now;
                    }
                    continue;
                }
                int r = Futex.await(s, word, expected, 1_000_000_000L);
                if (r == Futex.WOKEN && way.startsWith("chain") && (int) INT.getAcquire(s, word) != expected) {
                    Futex.wake(s, word, 1); // pass the wake-up on before reading
                }
            }
            StringBuilder out = new StringBuilder();
            for (int w = 0; w < ways.length; w++) {
                out.append(w == 0 ? "" : " ").append(ways[w]);
                for (long v : switches[w]) {
                    out.append(':').append(v);
                }
            }
            System.out.println(out);
        }
    }

    private static ShmOptions options(Path dir) {
        return ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.BLOCK);
    }

    private static long slot(int follower) {
        return SLOTS + SLOT * follower;
    }

    /**
     * The calling thread's voluntary and involuntary context switches so far, its time on a CPU and
     * its time runnable but waiting in a run queue (ns, {@code /proc/thread-self/schedstat}).
     */
    private static long[] switches() {
        ThreadCounters c = ThreadCounters.now();
        long[] out = {c.voluntarySwitches(), c.involuntarySwitches(), 0, 0};
        try {
            String[] f = Files.readString(Path.of("/proc/thread-self/schedstat")).strip().split(" ");
            out[2] = Long.parseLong(f[0]);
            out[3] = Long.parseLong(f[1]);
        } catch (java.io.IOException | RuntimeException unavailable) {
            // not Linux, or no schedstats: 0
        }
        return out;
    }

    private static void add(long[] sums, long[] now, long[] before) {
        for (int k = 0; k < COUNTERS; k++) {
            sums[k] += now[k] - before[k];
        }
    }

    private static MemorySegment scratch(Path dir, Arena arena) throws Exception {
        Path file = dir.resolve("scratch");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (ch.size() < LENGTH) {
                ch.write(ByteBuffer.allocate(1), LENGTH - 1);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH, arena);
        }
    }

    /** The {@code p}th percentile in microseconds. */
    private static double pct(long[] nanos, double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, (long) (sorted.length * p / 100))] / 1e3;
    }
}
