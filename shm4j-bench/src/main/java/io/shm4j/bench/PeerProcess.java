package io.shm4j.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The {@code main} of a forked master or follower JVM. The {@link CaseRunner} starts one master and
 * N followers with {@code key=value} arguments and talks to them through stdout lines, the master's
 * stdin and the {@link AckBoard}.
 *
 * <p>Master: creates the peer's resources, marks itself ready, accepts the followers, then
 * <ol>
 * <li>warm-up and latency phases: stamp, publish, wait until every follower acknowledged, pause
 *     (latency phase only: the warm-up never pauses, so that a wake-up case's peers run as many
 *     rounds as a hot case's and the JIT has compiled both sides' paths when measuring starts;
 *     with its 2 ms pauses the warm-up ran ~700 rounds, and shm4j's publish and read paths were
 *     not yet compiled by C2 in the latency phase; the warm-up lasts its time and at least
 *     {@link CaseSettings#warmupRounds()} rounds, for the same reason); prints {@code IDLE <counters>} (its publishing
 *     thread's {@link ThreadCounters} over the latency phase) and waits for {@code GO} on stdin
 *     (the runner measures memory then);</li>
 * <li>throughput phase: publishes as fast as the peer accepts for a fixed time, without waiting
 *     for acknowledgements, storing each sequence number on the board after its publish; prints
 *     {@code PUBLISHED <count> <nanos>};</li>
 * <li>publishes a stop message and waits until every follower acknowledged it.</li>
 * </ol>
 * Follower: opens its end, marks itself ready, records {@code receiveNanos - sentNanos} of each
 * latency-phase message in a histogram (and keeps every sample, to report the slowest 0.1% with
 * their times), counts throughput-phase messages and records the time since the previous one it
 * observed and how many versions the master had published beyond it, acknowledges every message,
 * and at the stop message prints {@code RESULT <histogram> <count> <firstSent> <lastReceived>
 * <gap histogram> <behind histogram> <counters> <tail>}: histograms compressed in Base64, the
 * counters of its thread over the latency phase, the tail as {@code sent:latency} pairs.
 */
public final class PeerProcess {
    /** Latencies above one minute are clamped (a stall that long fails the case anyway). */
    static final long HIGHEST_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final long ACK_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long STOP_REPEAT_MILLIS = 20;
    private static final long READY_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(3);
    /** The slowest samples reported with their times: this fraction of them, at most {@link #TAIL_LIMIT}. */
    private static final int TAIL_DIVISOR = 1000;
    private static final int TAIL_LIMIT = 1000;

    private PeerProcess() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        Map<String, String> properties = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            String key = args[i].substring(0, eq);
            String value = args[i].substring(eq + 1);
            if (key.startsWith("prop.")) {
                properties.put(key.substring("prop.".length()), value);
            } else {
                options.put(key, value);
            }
        }
        Peer peer = Peers.require(options.get("peer"));
        PeerContext context = new PeerContext(Path.of(options.get("dir")), Integer.parseInt(options.get("size")),
                Integer.parseInt(options.get("followers")), properties);
        try (AckBoard board = AckBoard.open(context.directory())) {
            switch (args[0]) {
                case "master" -> runMaster(peer, context, board, CaseSettings.fromOptions(options));
                case "follower" -> runFollower(peer, context, board, Integer.parseInt(options.get("index")));
                default -> throw new IllegalArgumentException("role must be master or follower, not " + args[0]);
            }
        }
        System.exit(0);
    }

    private static void runMaster(Peer peer, PeerContext context, AckBoard board, CaseSettings settings) throws Exception {
        int followers = context.followers();
        byte[] payload = Payload.allocate(context.payloadSize());
        try (Peer.Publisher publisher = peer.publisher(context)) {
            board.masterReadyRelease();
            publisher.acceptFollowers();
            board.awaitFollowersReady(followers, READY_TIMEOUT_NANOS);

            long seq = 0;
            long warmupStart = System.nanoTime();
            long warmupEnd = warmupStart + settings.warmup().toNanos();
            long warmupLimit = warmupStart + settings.warmupLimit().toNanos();
            for (long now = warmupStart; now < warmupEnd || (seq < settings.warmupRounds() && now < warmupLimit);
                 now = System.nanoTime()) {
                publishAndAwait(publisher, board, payload, ++seq, Payload.WARMUP, followers, 0);
            }
            ThreadCounters before = ThreadCounters.now();
            long latencyStart = System.nanoTime();
            for (long rounds = 0; settings.latencyGoesOn(rounds, System.nanoTime() - latencyStart); rounds++) {
                publishAndAwait(publisher, board, payload, ++seq, Payload.LATENCY, followers, settings.pauseMicros());
            }
            ThreadCounters during = ThreadCounters.now().since(before);

            System.out.println("IDLE " + during.encode());
            System.out.flush();
            BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String go = stdin.readLine();
            if (!"GO".equals(go)) {
                throw new IllegalStateException("expected GO from the runner, got " + go);
            }

            long count = 0;
            long start = System.nanoTime();
            long throughputEnd = start + settings.throughput().toNanos();
            ObservedTwice observed = new ObservedTwice(board, followers, seq + 1);
            // The phase lasts its time, and on a busy machine longer: until every follower has seen
            // two of its versions (a rate needs two), within the ack timeout. A peer that may drop
            // the newest (lapped Agrona) is not waited for.
            while (System.nanoTime() < throughputEnd
                    || !peer.mayDropNewest() && !observed.check(seq) && System.nanoTime() - start < ACK_TIMEOUT_NANOS) {
                Payload.stamp(payload, ++seq, Payload.THROUGHPUT);
                publisher.publish(payload);
                board.publishedRelease(seq);
                count++;
            }
            System.out.println("PUBLISHED " + count + " " + (System.nanoTime() - start));
            System.out.flush();

            long stop = ++seq;
            Payload.stamp(payload, stop, Payload.STOP);
            publisher.publish(payload);
            if (peer.mayDropNewest()) {
                long deadline = System.nanoTime() + ACK_TIMEOUT_NANOS;
                while (!board.acknowledgedAll(followers, stop) && System.nanoTime() < deadline) {
                    Thread.sleep(STOP_REPEAT_MILLIS);
                    Payload.stamp(payload, ++seq, Payload.STOP);
                    publisher.publish(payload);
                }
            }
            board.awaitAcks(followers, stop, ACK_TIMEOUT_NANOS);
        }
    }

    /**
     * Whether every follower has observed two distinct versions of the throughput phase: once all
     * have acknowledged one (each saw at least one, at most the newest then published), a version
     * newer than the newest then published must be acknowledged too.
     */
    private static final class ObservedTwice {
        private final AckBoard board;
        private final int followers;
        private final long first;
        private long newestWhenAllSawOne;

        ObservedTwice(AckBoard board, int followers, long first) {
            this.board = board;
            this.followers = followers;
            this.first = first;
        }

        boolean check(long published) {
            if (newestWhenAllSawOne == 0) {
                if (board.acknowledgedAll(followers, first)) {
                    newestWhenAllSawOne = published;
                }
                return false;
            }
            return board.acknowledgedAll(followers, newestWhenAllSawOne + 1);
        }
    }

    private static void publishAndAwait(Peer.Publisher publisher, AckBoard board, byte[] payload, long seq, int phase,
                                        int followers, long pauseMicros) throws Exception {
        Payload.stamp(payload, seq, phase);
        publisher.publish(payload);
        board.awaitAcks(followers, seq, ACK_TIMEOUT_NANOS);
        if (pauseMicros > 0) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(pauseMicros));
        }
    }

    private static void runFollower(Peer peer, PeerContext context, AckBoard board, int index) throws Exception {
        board.awaitMasterReady(READY_TIMEOUT_NANOS);
        Histogram latency = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        Histogram gaps = new Histogram(HIGHEST_LATENCY_NANOS, 3);
        Histogram behind = new Histogram(3);
        long[] sent = new long[1 << 16];
        long[] latencies = new long[sent.length];
        int samples = 0;
        ThreadCounters latencyStart = null;
        ThreadCounters duringLatency = null;
        long throughputCount = 0;
        long firstSent = 0;
        long lastReceived = 0;
        Observation observation = new Observation();
        boolean measuring = false;
        try (Peer.Subscriber subscriber = peer.subscriber(context, index)) {
            board.followerReadyRelease(index);
            while (true) {
                subscriber.next(observation);
                long received = System.nanoTime();
                int phase = observation.phase();
                if (phase == Payload.WARMUP || phase == Payload.LATENCY) {
                    // The warm-up records too, into what the first latency sample clears: the latency
                    // phase then runs code the JIT has compiled, not a branch it never saw taken
                    // (whose trap sent 16 follower JVMs back to the interpreter at once).
                    if (phase == Payload.LATENCY && !measuring) {
                        measuring = true;
                        latency.reset();
                        samples = 0;
                    }
                    long nanos = Math.min(received - observation.sentNanos(), HIGHEST_LATENCY_NANOS);
                    latency.recordValue(nanos);
                    if (samples == sent.length) {
                        sent = Arrays.copyOf(sent, samples * 2);
                        latencies = Arrays.copyOf(latencies, samples * 2);
                    }
                    sent[samples] = observation.sentNanos();
                    latencies[samples++] = nanos;
                    if (measuring && latencyStart == null) {
                        latencyStart = ThreadCounters.now(); // after the first sample: reading it takes microseconds
                    }
                } else {
                    if (latencyStart != null && duringLatency == null) {
                        duringLatency = ThreadCounters.now().since(latencyStart);
                    }
                    if (phase == Payload.THROUGHPUT) {
                        if (throughputCount++ == 0) {
                            firstSent = observation.sentNanos();
                        } else {
                            gaps.recordValue(Math.min(received - lastReceived, HIGHEST_LATENCY_NANOS));
                        }
                        behind.recordValue(Math.max(0, board.publishedAcquire() - observation.seq()));
                        lastReceived = received;
                    } else if (phase == Payload.STOP) {
                        break;
                    }
                }
                board.ackRelease(index, observation.seq());
            }
            if (duringLatency == null) {
                duringLatency = new ThreadCounters(-1, -1, -1, -1, -1, 0, -1);
            }
            System.out.println("RESULT " + encode(latency) + " " + throughputCount + " " + firstSent + " " + lastReceived
                    + " " + encode(gaps) + " " + encode(behind) + " " + duringLatency.encode() + " " + tail(sent, latencies, samples));
            System.out.flush();
            board.ackRelease(index, observation.seq());
        }
    }

    private static String encode(Histogram histogram) {
        ByteBuffer encoded = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(encoded);
        return Base64.getEncoder().encodeToString(Arrays.copyOf(encoded.array(), length));
    }

    /** The slowest samples as {@code sent:latency} pairs, comma-separated ({@code -} if none). */
    private static String tail(long[] sent, long[] latencies, int samples) {
        int count = Math.min(TAIL_LIMIT, Math.max(1, samples / TAIL_DIVISOR));
        if (samples == 0) {
            return "-";
        }
        long[] sorted = Arrays.copyOf(latencies, samples);
        Arrays.sort(sorted);
        long threshold = sorted[samples - count];
        StringBuilder out = new StringBuilder();
        int written = 0;
        for (int i = 0; i < samples && written < count; i++) {
            if (latencies[i] >= threshold) {
                out.append(written++ == 0 ? "" : ",").append(sent[i]).append(':').append(latencies[i]);
            }
        }
        return out.toString();
    }
}
