package io.shm4j.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.support.Observers;
import io.etcd.jetcd.watch.WatchEvent;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * What the mirror adds to etcd: publish on host A, observed by a follower on host B through etcd,
 * against a plain jetcd client that writes and a second one that watches, in the same run and the
 * same etcd. The plain client writes twice over: with a {@code put}, and with the transaction the
 * push sends (a put guarded by "the lock key, attached to a lease, has the create revision I made
 * it with"), so that what etcd charges for the guard is told apart from what the mirror adds.
 * Hosts A and B are two region directories in this JVM (one clock for the latency); the push and
 * the pull each have their own etcd client, as two processes would.
 *
 * <pre>
 * java -cp shm4j-etcd/target/shm4j-mirror.jar io.shm4j.etcd.MirrorBench [--etcd URL] [--runs N] [--samples N] [--seconds S] [--size BYTES]
 * </pre>
 *
 * Without {@code --etcd} it starts its own etcd (Debian's {@code etcd} on the PATH, free ports,
 * a temporary data directory under {@code java.io.tmpdir}) and stops it at the end. Before the
 * first run, one unreported round of each side warms the JIT for all. Per run and side, in an
 * order that rotates from run to run: latency (one version in flight: write, wait until B sees
 * it, wait for the writer's answer, next), p50 and p99; then rate (the writer flat out for S
 * seconds; distinct versions that reach B per second).
 */
public final class MirrorBench {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private MirrorBench() {
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
        String endpoint = null;
        int runs = 3;
        int samples = 1000;
        int seconds = 5;
        int size = 1024;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--etcd" -> endpoint = args[++i];
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--size" -> size = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: MirrorBench [--etcd URL] [--runs N] [--samples N] [--seconds S] [--size BYTES]");
                    System.exit(2);
                }
            }
        }
        Process etcd = null;
        Path data = null;
        try {
            if (endpoint == null) {
                data = Files.createTempDirectory("shm4j-bench-etcd-");
                int client = freePort();
                int peer = freePort();
                endpoint = "http://127.0.0.1:" + client;
                etcd = startEtcd(data, client, peer);
            }
            System.out.printf(Locale.ROOT, "etcd %s, payload %d bytes, %d samples and %d s per run, %d runs; %s, %d cores, load %.2f%n",
                    endpoint, size, samples, seconds, runs, Runtime.version(), Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            warmUp(endpoint, size);
            System.out.println("run | put p50 us | txn p50 us | mirror p50 us | /put | /txn | put p99 us | txn p99 us | mirror p99 us"
                    + " | /put | /txn | put v/s | txn v/s | mirror v/s | /put | /txn | get() local ns | get() mirrored ns");
            for (int run = 1; run <= runs; run++) {
                Path a = Files.createTempDirectory(Path.of("/dev/shm"), "shm4j-bench-a-");
                Path b = Files.createTempDirectory(Path.of("/dev/shm"), "shm4j-bench-b-");
                try {
                    // The order rotates (put, txn, mirror; txn, mirror, put; ...): no side always gets the warmer etcd.
                    long[][] put = null;
                    long[][] txn = null;
                    MirrorResult m = null;
                    for (int k = 0; k < 3; k++) {
                        switch ((run - 1 + k) % 3) {
                            case 0 -> put = new long[][] {plainLatency(endpoint, samples, size, false), {plainRate(endpoint, seconds, size, false)}};
                            case 1 -> txn = new long[][] {plainLatency(endpoint, samples, size, true), {plainRate(endpoint, seconds, size, true)}};
                            default -> m = mirror(endpoint, a, b, samples, seconds, size, run);
                        }
                    }
                    System.out.printf(Locale.ROOT, "%d | %.0f | %.0f | %.0f | %.2f | %.2f | %.0f | %.0f | %.0f | %.2f | %.2f"
                                    + " | %d | %d | %d | %.2f | %.2f | %.1f | %.1f%n", run,
                            pct(put[0], 50), pct(txn[0], 50), pct(m.latency, 50),
                            pct(m.latency, 50) / pct(put[0], 50), pct(m.latency, 50) / pct(txn[0], 50),
                            pct(put[0], 99), pct(txn[0], 99), pct(m.latency, 99),
                            pct(m.latency, 99) / pct(put[0], 99), pct(m.latency, 99) / pct(txn[0], 99),
                            put[1][0], txn[1][0], m.rate, (double) m.rate / put[1][0], (double) m.rate / txn[1][0],
                            m.localGetNanos, m.mirroredGetNanos);
                } finally {
                    delete(a);
                    delete(b);
                }
            }
        } finally {
            if (etcd != null) {
                etcd.destroyForcibly().waitFor();
            }
            if (data != null) {
                delete(data);
            }
        }
    }

    /** One short round of each side, not reported: the JIT has compiled every path before run 1. */
    private static void warmUp(String endpoint, int size) throws Exception {
        Path a = Files.createTempDirectory(Path.of("/dev/shm"), "shm4j-bench-a-");
        Path b = Files.createTempDirectory(Path.of("/dev/shm"), "shm4j-bench-b-");
        try {
            plainLatency(endpoint, 1000, size, false);
            plainRate(endpoint, 2, size, false);
            plainLatency(endpoint, 1000, size, true);
            plainRate(endpoint, 2, size, true);
            mirror(endpoint, a, b, 1000, 2, size, 0);
        } finally {
            delete(a);
            delete(b);
        }
    }

    private record MirrorResult(long[] latency, long rate, double localGetNanos, double mirroredGetNanos) {
    }

    /**
     * The plain client's writes: a put, or ({@code guarded}) the push's transaction, a put on
     * condition that a lock key attached to this client's lease still has the create revision it
     * was made with.
     */
    private static final class PlainWriter implements AutoCloseable {
        private final Client client;
        private final ByteSequence key;
        private final ByteSequence lock;
        private final long lockRevision;
        private final CloseableClient keepAlive;

        PlainWriter(String endpoint, ByteSequence key, boolean guarded) throws Exception {
            this.client = Client.builder().endpoints(endpoint).build();
            this.key = key;
            if (guarded) {
                lock = Etcd.bytes(key.toString(java.nio.charset.StandardCharsets.UTF_8) + "~lock");
                long lease = client.getLeaseClient().grant(10).get().getID();
                keepAlive = client.getLeaseClient().keepAlive(lease, Observers.observer(r -> { }));
                client.getKVClient().delete(lock).get();
                lockRevision = client.getKVClient().put(lock, Etcd.bytes("bench"), PutOption.builder().withLeaseId(lease).build())
                        .get().getHeader().getRevision();
            } else {
                lock = null;
                lockRevision = 0;
                keepAlive = null;
            }
        }

        CompletableFuture<?> write(byte[] value) {
            if (lock == null) {
                return client.getKVClient().put(key, ByteSequence.from(value));
            }
            return client.getKVClient().txn()
                    .If(new Cmp(lock, Cmp.Op.EQUAL, CmpTarget.createRevision(lockRevision)))
                    .Then(Op.put(key, ByteSequence.from(value), PutOption.DEFAULT))
                    .commit().thenApply(r -> {
                        if (!r.isSucceeded()) {
                            throw new IllegalStateException("the bench's lock key changed");
                        }
                        return r;
                    });
        }

        @Override
        public void close() {
            if (keepAlive != null) {
                keepAlive.close();
            }
            client.close();
        }
    }

    /** Write with one client, watch with another; latency from before the write to the watch event; each write after the previous one's answer. */
    private static long[] plainLatency(String endpoint, int samples, int size, boolean guarded) throws Exception {
        ByteSequence key = Etcd.bytes(guarded ? "/bench/txn" : "/bench/put");
        AtomicLong seen = new AtomicLong();
        long[] out = new long[samples];
        try (PlainWriter writer = new PlainWriter(endpoint, key, guarded);
             Client reader = Client.builder().endpoints(endpoint).build();
             Watch.Watcher w = reader.getWatchClient().watch(key, r -> {
                 for (WatchEvent e : r.getEvents()) {
                     seen.set(ByteBuffer.wrap(e.getKeyValue().getValue().getBytes()).getLong());
                 }
             })) {
            byte[] value = new byte[size];
            writer.write(value).get(); // warm the connection
            for (int i = -samples / 10; i < samples; i++) {
                long n = i + samples + 1;
                ByteBuffer.wrap(value).putLong(n);
                long start = System.nanoTime();
                CompletableFuture<?> answer = writer.write(value);
                while (seen.get() != n) {
                    Thread.onSpinWait();
                    check(start);
                }
                if (i >= 0) {
                    out[i] = System.nanoTime() - start;
                }
                answer.get(); // the next write only after this one's answer, as the push does
            }
        }
        return out;
    }

    /** Writes flat out (each after the previous one's answer, as the push does) for {@code seconds}; values watched per second. */
    private static long plainRate(String endpoint, int seconds, int size, boolean guarded) throws Exception {
        ByteSequence key = Etcd.bytes(guarded ? "/bench/txn-rate" : "/bench/put-rate");
        AtomicLong events = new AtomicLong();
        try (PlainWriter writer = new PlainWriter(endpoint, key, guarded);
             Client reader = Client.builder().endpoints(endpoint).build();
             Watch.Watcher w = reader.getWatchClient().watch(key, r -> events.addAndGet(r.getEvents().size()))) {
            byte[] value = new byte[size];
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long start = System.nanoTime();
            long written = 0;
            while (System.nanoTime() < end) {
                ByteBuffer.wrap(value).putLong(++written);
                writer.write(value).get();
            }
            return events.get() * 1_000_000_000L / (System.nanoTime() - start);
        }
    }

    private static MirrorResult mirror(String endpoint, Path a, Path b, int samples, int seconds, int size, int run) throws Exception {
        ShmOptions optsA = ShmOptions.defaults().withDirectory(a);
        ShmOptions optsB = ShmOptions.defaults().withDirectory(b).withWaitStrategy(WaitStrategy.BUSY_SPIN);
        String tag = "bench" + run;
        MirrorOptions base = MirrorOptions.of(endpoint).withTags(List.of(tag)).withPrefix("/bench/mirror/");
        try (SharedObjectMaster<byte[]> master = SharedObject.master(tag, ObjectCodecs.bytes(), optsA);
             SharedObjectMaster<byte[]> local = SharedObject.master("local", ObjectCodecs.bytes(), optsB)) {
            byte[] value = new byte[size];
            master.publish(value);
            local.publish(value);
            try (EtcdMirror push = EtcdMirror.push(base.withShmOptions(optsA).withHostName("a"));
                 EtcdMirror pull = EtcdMirror.pull(base.withShmOptions(optsB).withHostName("b"));
                 SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, byte[].class, optsB);
                 SharedObjectFollower<byte[]> localFollower = SharedObject.follower("local", byte[].class, optsB)) {
                SnapshotBuffer buffer = new SnapshotBuffer(size);
                long[] out = new long[samples];
                for (int i = -samples / 10; i < samples; i++) {
                    long n = i + samples + 1;
                    ByteBuffer.wrap(value).putLong(n);
                    long start = System.nanoTime();
                    master.publish(value);
                    while (true) {
                        follower.readNewer(buffer);
                        if (buffer.version() != 0 && ByteBuffer.wrap(buffer.array()).getLong() == n) {
                            break;
                        }
                        Thread.onSpinWait();
                        check(start);
                    }
                    if (i >= 0) {
                        out[i] = System.nanoTime() - start;
                    }
                    // The next version only after the push has etcd's answer to this one (the
                    // watch may deliver before the answer), as the plain side waits for its put.
                    long revision = pull.status().getFirst().lastRevision();
                    while (push.status().getFirst().lastRevision() < revision) {
                        LockSupport.parkNanos(10_000);
                        check(start);
                    }
                }
                // Rate: the master publishes every 100 us (far faster than etcd commits, without
                // taking a core from etcd); B's region gains one version per version the pull
                // publishes (never one twice: PulledTag), read at the end, as the plain side counts
                // its watch events; no poller takes CPU from etcd meanwhile.
                long first = follower.version();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
                long start = System.nanoTime();
                Thread publisher = Thread.ofPlatform().start(() -> {
                    byte[] v = new byte[size];
                    long k = samples * 2L;
                    while (System.nanoTime() < end) {
                        ByteBuffer.wrap(v).putLong(++k);
                        master.publish(v);
                        LockSupport.parkNanos(100_000);
                    }
                });
                publisher.join();
                long rate = (follower.version() - first) * 1_000_000_000L / (System.nanoTime() - start);
                return new MirrorResult(out, rate, getNanos(localFollower), getNanos(follower));
            }
        }
    }

    /** Mean cost of {@code get()} with nothing new, the read a configuration reader does. */
    private static double getNanos(SharedObjectFollower<byte[]> f) {
        int n = 20_000_000;
        long sink = 0;
        for (int i = 0; i < n; i++) {
            sink += f.get().length;
        }
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            sink += f.get().length;
        }
        long t = System.nanoTime() - start;
        if (sink == 42) {
            System.out.print("");
        }
        return (double) t / n;
    }

    private static void check(long start) {
        if (System.nanoTime() - start > WAIT.toNanos()) {
            throw new IllegalStateException("a version did not arrive within " + WAIT);
        }
    }

    private static double pct(long[] values, int p) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)] / 1000.0;
    }

    private static Process startEtcd(Path data, int client, int peer) throws IOException, InterruptedException {
        String c = "http://127.0.0.1:" + client;
        String p = "http://127.0.0.1:" + peer;
        Process etcd = new ProcessBuilder("etcd", "--name", "bench", "--data-dir", data.resolve("d").toString(),
                "--listen-client-urls", c, "--advertise-client-urls", c, "--listen-peer-urls", p,
                "--initial-advertise-peer-urls", p, "--initial-cluster", "bench=" + p, "--log-level", "error")
                .redirectErrorStream(true).redirectOutput(data.resolve("etcd.log").toFile()).start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", client), 200);
                return etcd;
            } catch (IOException e) {
                if (!etcd.isAlive() || System.nanoTime() > deadline) {
                    etcd.destroyForcibly();
                    throw new IOException("etcd did not start; see " + data.resolve("etcd.log"));
                }
                Thread.sleep(50);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
