package io.shm4j.bench;

import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.shm4j.bench.PingPongBlocks.ACK;

/**
 * The harness's peers compared in one JVM, so that the rarer of the machine's two states is
 * caught often enough to compare in (docs/BENCHMARKS.md, "The machine's two states"): under the
 * harness's forked processes this VM stays in its slow state for minutes, so a fast-state pair of
 * cases is the exception; blocks of one JVM alternate every few milliseconds.
 *
 * <p>Each turn runs one block of {@code ROUNDS} round trips per peer, in rotating order, with
 * the harness's own {@link Peer} code: a master thread stamps a {@link Payload}, publishes it and
 * waits for the follower thread's acknowledgement, as the harness's latency phase does; the
 * follower's publish→observe times of the block's second half give its p50. The machine's state
 * is probed ({@link CoherenceProbe}) before and after the turn; a turn whose state changed is
 * labelled so and compared in nothing. Each peer's loop is defined by a class loader of its own,
 * so that its {@code publish} and {@code next} calls are each compiled for that one peer (one
 * shared loop would make them megamorphic, a cost the separate processes of the harness do not
 * pay).
 *
 * <p>Prints each turn, then per state each peer's median p50 and, for every two peers, the median
 * of the per-turn ratios (in %, the peer named first over the other), with quartiles; and each
 * other peer over the limit, the fastest raw variant of the turn, as the harness takes it.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.PeerBlocksExperiment \
 *     shm4j-spin,shm4j-unverified,raw,raw-ahead,agrona SIZE [SECONDS=60] [ROUNDS=20000]
 * </pre>
 * ({@code --add-exports} is Agrona's, as the harness passes it to Agrona's processes.) Peers that
 * busy-poll only: a blocking peer's follower would need the other core while its master spins.
 */
public final class PeerBlocksExperiment {
    private PeerBlocksExperiment() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: PeerBlocksExperiment PEER,PEER,... SIZE [SECONDS=60] [ROUNDS=20000]");
        }
        List<Peer> peers = Stream.of(args[0].split(",")).map(Peers::require).toList();
        for (Peer peer : peers) {
            if (!peer.busyPolls()) {
                throw new IllegalArgumentException(peer.name() + "'s follower does not busy-poll; this experiment compares spinning peers");
            }
        }
        int size = Integer.parseInt(args[1]);
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 60;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        Payload.allocate(size); // fails now on a size below the header
        List<Method> blocks = new ArrayList<>();
        for (int p = 0; p < peers.size(); p++) {
            blocks.add(LoopLoader.loop().getMethod("block", Peer.class, PeerContext.class, long[].class));
        }
        long[] latency = new long[rounds];
        PingPongBlocks results = new PingPongBlocks();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int turn = 0;
        do { // at least one turn, however short SECONDS
            double before = CoherenceProbe.sharedCopyRatio();
            long[] p50 = new long[peers.size()];
            for (int k = 0; k < peers.size(); k++) {
                int p = (turn + k) % peers.size();
                p50[p] = block(blocks.get(p), peers.get(p), size, latency);
            }
            String state = CoherenceProbe.State.of(before, CoherenceProbe.sharedCopyRatio()).name();
            long limit = IntStream.range(0, peers.size()).filter(p -> Peers.limits().contains(peers.get(p)))
                    .mapToLong(p -> p50[p]).min().orElse(0);
            for (int p = 0; p < peers.size(); p++) {
                results.add(state + " " + peers.get(p).name() + ", p50 ns", p50[p]);
                for (int q = p + 1; q < peers.size(); q++) {
                    results.add(state + " " + peers.get(p).name() + " / " + peers.get(q).name() + " %", p50[p] * 100 / p50[q]);
                }
                if (limit > 0 && !Peers.limits().contains(peers.get(p))) {
                    results.add(state + " " + peers.get(p).name() + " / the limit %", p50[p] * 100 / limit);
                }
            }
            System.out.println(state + " " + IntStream.range(0, peers.size()).mapToObj(p -> peers.get(p).name() + " " + p50[p] + " ns")
                    .collect(Collectors.joining(", ")));
            turn++;
        } while (System.nanoTime() < end);
        results.print();
    }

    /** One block of {@code peer} in a case directory of its own; its p50 over the second half. */
    private static long block(Method loop, Peer peer, int size, long[] latency) throws Exception {
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "peer-blocks");
        try {
            loop.invoke(null, peer, new PeerContext(dir, size, 1, Map.of()), latency);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            CaseRunner.deleteRecursively(dir);
        }
        long[] kept = PingPongBlocks.secondHalfSorted(latency);
        return kept[kept.length / 2];
    }

    /** A class loader that defines its own copy of {@link Loop}, whose profile then sees one peer. */
    private static final class LoopLoader extends ClassLoader {
        private LoopLoader() {
            super(PeerBlocksExperiment.class.getClassLoader());
        }

        static Class<?> loop() throws Exception {
            String name = Loop.class.getName();
            try (InputStream in = Loop.class.getClassLoader().getResourceAsStream(name.replace('.', '/') + ".class")) {
                byte[] bytes = in.readAllBytes();
                return new LoopLoader().defineClass(name, bytes, 0, bytes.length);
            }
        }
    }

    /** One block of round trips through a peer. Public types only: it runs in another runtime package. */
    public static final class Loop {
        private Loop() {
        }

        /**
         * Opens {@code peer}'s two ends, then publishes {@code latency.length} stamped payloads one
         * at a time, each once the follower thread acknowledged the one before, which records
         * each one's publish→observe time.
         */
        public static void block(Peer peer, PeerContext context, long[] latency) throws Exception {
            byte[] payload = Payload.allocate(context.payloadSize());
            AtomicLongArray sync = PingPongBlocks.newSync();
            try (Peer.Publisher publisher = peer.publisher(context); Peer.Subscriber subscriber = peer.subscriber(context, 0)) {
                Thread follower = Thread.ofPlatform().name("follower of " + peer.name()).start(() -> {
                    Observation seen = new Observation();
                    try {
                        for (int i = 0; i < latency.length; i++) {
                            subscriber.next(seen);
                            latency[i] = System.nanoTime() - seen.sentNanos();
                            sync.set(ACK, seen.seq());
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(peer.name() + "'s follower failed", e);
                    }
                });
                for (long seq = 1; seq <= latency.length; seq++) {
                    Payload.stamp(payload, seq, Payload.LATENCY);
                    publisher.publish(payload);
                    PingPongBlocks.awaitAck(sync, seq, follower);
                }
                follower.join();
            }
        }
    }
}
