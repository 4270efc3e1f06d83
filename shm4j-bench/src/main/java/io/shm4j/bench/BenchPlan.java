package io.shm4j.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a bench run covers, and how many times (the report takes medians over runs):
 * <ol>
 * <li>every peer at every payload size with one follower, publishing as soon as the follower
 *     acknowledged (hot latency);</li>
 * <li>the {@code scaledPeers} at {@code scaledSize} with each of {@code followerCounts};</li>
 * <li>the {@code wakeupPeers} at {@code scaledSize}, pausing {@code wakeupPauseMicros} before
 *     each publish so that the follower is idle when woken, and watching its idle CPU for
 *     {@code wakeupIdleWindow}.</li>
 * </ol>
 */
public record BenchPlan(List<Peer> peers, List<Integer> payloadSizes, List<Integer> followerCounts, int scaledSize,
                        Set<String> scaledPeers, Set<String> wakeupPeers, long wakeupPauseMicros, Duration wakeupIdleWindow,
                        int runs, CaseSettings settings) {

    public static final List<Integer> SIZES = List.of(64, 1024, 64 * 1024, 1024 * 1024);
    public static final List<Integer> FOLLOWER_COUNTS = List.of(1, 2, 4, 8, 16);
    public static final Set<String> SCALED_PEERS = Set.of(Report.SHM4J_PEER, Peers.SHM4J_BLOCK);
    public static final Set<String> WAKEUP_PEERS = Set.of(Peers.SHM4J_BLOCK, "uds", "pipe");
    /** Long enough for a blocked follower's CPU to go idle between publishes. */
    public static final long WAKEUP_PAUSE_MICROS = 2_000;

    public BenchPlan {
        peers = List.copyOf(peers);
        payloadSizes = List.copyOf(payloadSizes);
        followerCounts = List.copyOf(followerCounts);
        scaledPeers = Set.copyOf(scaledPeers);
        wakeupPeers = Set.copyOf(wakeupPeers);
    }

    /** A plan with only the hot-latency cases (no follower sweep, no wake-up cases). */
    public static BenchPlan simple(List<Peer> peers, List<Integer> sizes, int runs, CaseSettings settings) {
        return new BenchPlan(peers, sizes, List.of(1), sizes.getFirst(), Set.of(), Set.of(), 0, Duration.ZERO, runs, settings);
    }

    /** One case to run. */
    public record Case(Peer peer, int payloadBytes, int followers, int run, CaseSettings settings) {
    }

    /** The cases of one run, grouped by peer: its sizes, its follower sweep, its wake-up case. */
    public List<Case> cases(int run) {
        List<Case> cases = new ArrayList<>();
        for (Peer peer : peers) {
            for (int size : payloadSizes) {
                cases.add(new Case(peer, size, 1, run, settings));
            }
            if (scaledPeers.contains(peer.name())) {
                for (int followers : followerCounts) {
                    if (followers > 1) {
                        cases.add(new Case(peer, scaledSize, followers, run, settings));
                    }
                }
            }
            if (wakeupPeers.contains(peer.name())) {
                cases.add(new Case(peer, scaledSize, 1, run,
                        settings.withPauseMicros(wakeupPauseMicros).withIdleCpuWindow(wakeupIdleWindow)));
            }
        }
        return cases;
    }

    public int caseCount() {
        return cases(1).size() * runs;
    }
}
