package io.shm4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a bench run covers: which peers, payload sizes, the follower counts swept for some peers
 * (at one payload size), how many repeated runs (the report takes medians), and how long each
 * case measures.
 *
 * @param peers           peers in report order
 * @param payloadSizes    bytes; every peer runs every size with one follower
 * @param followerCounts  follower counts above 1 run for the peers in {@code scaledPeers}
 * @param scaledSize      the payload size of the follower sweep
 * @param scaledPeers     names of the peers swept over {@code followerCounts}
 * @param runs            repetitions of the whole plan
 * @param settings        per-case phase lengths
 */
public record BenchPlan(List<Peer> peers, List<Integer> payloadSizes, List<Integer> followerCounts, int scaledSize,
                        Set<String> scaledPeers, int runs, CaseSettings settings) {

    public static final List<Integer> SIZES = List.of(64, 1024, 64 * 1024, 1024 * 1024);
    public static final List<Integer> FOLLOWER_COUNTS = List.of(1, 2, 4, 8, 16);

    public BenchPlan {
        peers = List.copyOf(peers);
        payloadSizes = List.copyOf(payloadSizes);
        followerCounts = List.copyOf(followerCounts);
        scaledPeers = Set.copyOf(scaledPeers);
    }

    /** One case to run. */
    public record Case(Peer peer, int payloadBytes, int followers, int run) {
    }

    /** The cases of one run, in order: per peer its sizes, then its follower sweep. */
    public List<Case> cases(int run) {
        List<Case> cases = new ArrayList<>();
        for (Peer peer : peers) {
            for (int size : payloadSizes) {
                cases.add(new Case(peer, size, 1, run));
            }
            if (scaledPeers.contains(peer.name())) {
                for (int followers : followerCounts) {
                    if (followers > 1) {
                        cases.add(new Case(peer, scaledSize, followers, run));
                    }
                }
            }
        }
        return cases;
    }

    public int caseCount() {
        return cases(1).size() * runs;
    }
}
