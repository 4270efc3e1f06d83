package io.shm4j.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * What a bench run covers, and how many times. Within a run the cases are interleaved so that
 * the peers compared with each other are measured back to back (the report's ratios are taken
 * within a run, then their median over the runs):
 * <ol>
 * <li>per payload size, every peer with one follower, publishing as soon as the follower
 *     acknowledged (hot latency);</li>
 * <li>per follower count of {@code followerCounts}, every peer of {@code scaledPeers} at
 *     {@code scaledSize}; a busy-polling peer only up to {@code cores - 1} followers (more
 *     spinning followers than cores measure the scheduler);</li>
 * <li>the {@code wakeupPeers} at {@code scaledSize}, pausing {@code wakeupPauseMicros} before
 *     each publish so that the follower is idle when woken, and watching its idle CPU for
 *     {@code wakeupIdleWindow};</li>
 * <li>staleness under overload: the {@code overloadPeers} at {@code scaledSize}, master publishing
 *     flat out, the follower reading in a loop, {@code hogs} CPU hogs running.</li>
 * </ol>
 * Every forked JVM gets {@code jvmOptions} after the harness's and the peer's own; with {@code pin}
 * the master runs on CPU 0 and the followers on the others (taskset), for finding what CPU
 * migration costs.
 */
public record BenchPlan(List<Peer> peers, List<Integer> payloadSizes, List<Integer> followerCounts, int scaledSize,
                        Set<String> scaledPeers, Set<String> wakeupPeers, long wakeupPauseMicros, Duration wakeupIdleWindow,
                        Set<String> overloadPeers, int hogs, int cores, int runs, CaseSettings settings,
                        List<String> jvmOptions, boolean pin) {

    public static final List<Integer> SIZES = List.of(64, 1024, 64 * 1024, 1024 * 1024);
    public static final List<Integer> FOLLOWER_COUNTS = List.of(1, 2, 4, 8, 16);
    public static final Set<String> SCALED_PEERS = Set.of(Report.SHM4J_PEER, Peers.SHM4J_BLOCK, "uds");
    public static final Set<String> WAKEUP_PEERS = Set.of(Peers.SHM4J_BLOCK, "uds", "pipe");
    public static final Set<String> OVERLOAD_PEERS = Set.of(Report.SHM4J_PEER, Peers.SHM4J_BLOCK, Report.LIMIT_PEER);
    /** Long enough for a blocked follower's CPU to go idle between publishes. */
    public static final long WAKEUP_PAUSE_MICROS = 2_000;
    /**
     * The longest wake-up pause: a latency phase may overrun its limit by one pause, which the
     * runner's minute of slack absorbs.
     */
    public static final long MAX_WAKEUP_PAUSE_MICROS = 1_000_000;
    /** The most runs: a full run takes about half an hour. */
    public static final int MAX_RUNS = 1_000;
    /** The most CPU hogs per core: one per core already keeps every core busy. */
    public static final int MAX_HOGS_PER_CORE = 16;
    /** A staleness case's throughput phase, in multiples of the plan's (thousands of new versions for a p99.9). */
    public static final int OVERLOAD_LENGTH_FACTOR = 6;

    public BenchPlan {
        peers = List.copyOf(peers);
        payloadSizes = List.copyOf(payloadSizes);
        followerCounts = List.copyOf(followerCounts);
        scaledPeers = Set.copyOf(scaledPeers);
        wakeupPeers = Set.copyOf(wakeupPeers);
        overloadPeers = Set.copyOf(overloadPeers);
        jvmOptions = List.copyOf(jvmOptions);
    }

    /**
     * {@code value} if it is from {@code min} to {@code max}, else an error saying {@code what} it
     * is, the range, {@code why} the range ends there, and the value: the check behind every number
     * an option gives.
     */
    static long within(long value, long min, long max, String what, String why) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be from " + min + " to " + max + " (" + why + "), not " + value);
        }
        return value;
    }

    /**
     * {@code values} if each passes {@code check} and none is given twice: the cases of a size or
     * follower count given twice would have one key, and be taken for runs of one case.
     */
    static List<Integer> distinct(List<Integer> values, IntConsumer check) {
        Set<Integer> seen = new HashSet<>();
        for (int value : values) {
            check.accept(value);
            if (!seen.add(value)) {
                throw new IllegalArgumentException(value + " is given twice (its cases would be taken for runs of one case)");
            }
        }
        return values;
    }

    /** A plan with only the hot-latency cases (no follower sweep, no wake-up or staleness cases). */
    public static BenchPlan simple(List<Peer> peers, List<Integer> sizes, int runs, CaseSettings settings) {
        return new BenchPlan(peers, sizes, List.of(1), sizes.getFirst(), Set.of(), Set.of(), 0, Duration.ZERO, Set.of(), 0,
                Runtime.getRuntime().availableProcessors(), runs, settings, List.of(), false);
    }

    /** One case to run. */
    public record Case(Peer peer, int payloadBytes, int followers, int run, CaseSettings settings, List<String> jvmOptions,
                       boolean pin) {
    }

    private Case newCase(Peer peer, int payloadBytes, int followers, int run, CaseSettings caseSettings) {
        return new Case(peer, payloadBytes, followers, run, caseSettings, jvmOptions, pin);
    }

    /** The cases of one run, in the order they run: peers interleaved per size, per follower count, per kind. */
    public List<Case> cases(int run) {
        List<Case> cases = new ArrayList<>();
        for (int size : payloadSizes) {
            for (Peer peer : peers) {
                cases.add(newCase(peer, size, 1, run, settings));
            }
        }
        for (int followers : followerCounts) {
            for (Peer peer : peers) {
                if (followers > 1 && scaledPeers.contains(peer.name()) && (!peer.busyPolls() || followers <= cores - 1)) {
                    cases.add(newCase(peer, scaledSize, followers, run, settings));
                }
            }
        }
        for (Peer peer : peers) {
            if (wakeupPeers.contains(peer.name())) {
                cases.add(newCase(peer, scaledSize, 1, run,
                        settings.withPauseMicros(wakeupPauseMicros).withIdleCpuWindow(wakeupIdleWindow)));
            }
        }
        for (Peer peer : peers) {
            if (overloadPeers.contains(peer.name())) {
                cases.add(newCase(peer, scaledSize, 1, run, settings.withOverload(hogs, OVERLOAD_LENGTH_FACTOR)));
            }
        }
        return cases;
    }

    public int caseCount() {
        return cases(1).size() * runs;
    }
}
