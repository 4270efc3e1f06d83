package io.shm4j.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;

import static io.shm4j.bench.PingPongBlocks.ACK;
import static io.shm4j.bench.PingPongBlocks.SENT;

/**
 * Two builds of shm4j compared on the spinning follower's publish→copied time, in one JVM:
 * each build's classes in a class loader of their own, blocks of rounds alternating between
 * the two builds' followers, each pair of blocks labelled with the machine's state by
 * {@link CoherenceProbe} (docs/BENCHMARKS.md, "The machine's two states"). Each build's master,
 * on a region of its own, publishes {@code SIZE} bytes, waits for its follower's acknowledgement
 * and publishes again at once, as the harness's latency phase does; the follower waits in
 * {@code awaitNewer(SnapshotBuffer, Duration)} with {@code STRATEGY} ({@link WaitStrategy#BUSY_SPIN}
 * unless given), so a change to either side of the protocol is measured. With {@code GAP_MICROS}
 * the master waits that long after each acknowledgement before it publishes again, so that a
 * follower waits past its quick checks, as it does for a master that publishes less often.
 *
 * <p>Why not a JVM per build: a JVM's spinning pair settles in one of two speeds for its whole
 * life (64 B: ~560 or ~900 ns in the slow state), which hides a 20% change unless dozens of JVMs
 * are run; blocks of one JVM differ by 1-3%.
 *
 * <p>Prints each pair of blocks' p50 (over the second half of each block), then per state the
 * medians and the median of the per-pair AFTER/BEFORE ratios with their quartiles.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.TwoBuildsExperiment BEFORE.jar AFTER.jar SIZE [SECONDS=60] [ROUNDS=20000] [STRATEGY=BUSY_SPIN] [GAP_MICROS=0]
 * </pre>
 * Each jar is a {@code shm4j-bench/target/shm4j-bench.jar} built at the commit to compare.
 */
public final class TwoBuildsExperiment {
    private static final String TAG = "two-builds";
    private TwoBuildsExperiment() {
    }

    public static void main(String[] args) throws Exception {
        Path[] jars = {Path.of(args[0]), Path.of(args[1])};
        int size = Integer.parseInt(args[2]);
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 60;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 20_000;
        String strategy = args.length > 5 ? WaitStrategy.valueOf(args[5]).name() : WaitStrategy.BUSY_SPIN.name();
        long gapNanos = (long) ((args.length > 6 ? Double.parseDouble(args[6]) : 0) * 1000);
        Class<?>[] loops = {BuildLoader.loop(jars[0]), BuildLoader.loop(jars[1])};
        Path root = Files.createTempDirectory(CaseRunner.scratchRoot(), "two-builds");
        Path[] dirs = {Files.createDirectory(root.resolve("before")), Files.createDirectory(root.resolve("after"))};
        try {
            byte[] payload = new byte[size];
            new Random(1).nextBytes(payload);
            @SuppressWarnings("unchecked")
            Consumer<byte[]>[] masters = new Consumer[2];
            for (int build = 0; build < 2; build++) {
                @SuppressWarnings("unchecked")
                Consumer<byte[]> master = (Consumer<byte[]>) loops[build].getMethod("master", Path.class, String.class)
                        .invoke(null, dirs[build], strategy);
                master.accept(payload);
                masters[build] = master;
            }
            AtomicLongArray sync = PingPongBlocks.newSync();
            long[] latency = new long[rounds];
            PingPongBlocks results = new PingPongBlocks();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                String state = CoherenceProbe.State.of(CoherenceProbe.sharedCopyRatio()).name();
                long[] p50 = new long[2];
                for (int build = 0; build < 2; build++) {
                    Runnable follower = (Runnable) loops[build]
                            .getMethod("follower", Path.class, String.class, int.class, AtomicLongArray.class, long[].class)
                            .invoke(null, dirs[build], strategy, size, sync, latency);
                    sync.set(ACK, -1);
                    Thread thread = new Thread(follower, "follower-" + build);
                    thread.start();
                    PingPongBlocks.awaitAck(sync, 0, thread); // it has read what is published: the next publish is new to it
                    for (int i = 1; i <= rounds; i++) {
                        long acked = System.nanoTime();
                        while (System.nanoTime() - acked < gapNanos) {
                            Thread.onSpinWait();
                        }
                        sync.set(SENT, System.nanoTime());
                        masters[build].accept(payload);
                        PingPongBlocks.awaitAck(sync, i, thread);
                    }
                    thread.join();
                    p50[build] = results.addBlock(state + (build == 0 ? " before, p50 ns" : " after, p50 ns"), latency);
                }
                results.add(state + " after/before % (a pair of blocks each)", p50[1] * 100 / p50[0]);
                System.out.printf("%s before %d ns after %d ns%n", state, p50[0], p50[1]);
            }
            results.print();
        } finally {
            CaseRunner.deleteRecursively(root);
        }
        System.exit(0); // the masters are never closed: their loaders' classes only serve this run
    }

    /** A class loader for one build's jar that defines {@link Loop} from this build's bytes. */
    private static final class BuildLoader extends URLClassLoader {
        private BuildLoader(Path jar) throws IOException {
            super(new URL[]{jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        }

        /** {@link Loop} compiled here, linked against {@code jar}'s shm4j (its public API only). */
        static Class<?> loop(Path jar) throws IOException {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("no jar at " + jar + ": build shm4j-bench at the commit to compare");
            }
            BuildLoader loader = new BuildLoader(jar);
            String name = Loop.class.getName();
            try (InputStream in = Loop.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
                byte[] bytes = in.readAllBytes();
                return loader.defineClass(name, bytes, 0, bytes.length);
            }
        }
    }

    /** The code run against each build: a master and a spinning follower, through JDK types only. */
    public static final class Loop {
        private Loop() {
        }

        private static ShmOptions options(Path dir, String strategy) {
            return ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.valueOf(strategy));
        }

        /** A master of the region in {@code dir}; publishing is all it does. */
        public static Consumer<byte[]> master(Path dir, String strategy) throws IOException {
            return SharedObject.master(TAG, ObjectCodecs.bytes(), options(dir, strategy))::publish;
        }

        /**
         * A follower waiting with {@code strategy} that reads what is published, sets {@code sync[ACK]} to 0, then for each of
         * {@code latency.length} new versions records the time since {@code sync[SENT]} and
         * acknowledges it.
         */
        public static Runnable follower(Path dir, String strategy, int size, AtomicLongArray sync, long[] latency) throws IOException {
            SharedObjectFollower<byte[]> follower = SharedObject.follower(TAG, ObjectCodecs.bytes(), options(dir, strategy));
            return () -> {
                try (follower) {
                    SnapshotBuffer buffer = new SnapshotBuffer(size);
                    follower.readNewer(buffer);
                    sync.set(ACK, 0);
                    for (int i = 0; i < latency.length; i++) {
                        while (!follower.awaitNewer(buffer, Duration.ofMinutes(1))) {
                            // wait on
                        }
                        latency[i] = System.nanoTime() - sync.get(SENT);
                        sync.set(ACK, i + 1);
                    }
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
        }
    }
}
