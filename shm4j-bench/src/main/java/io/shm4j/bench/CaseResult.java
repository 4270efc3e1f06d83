package io.shm4j.bench;

/**
 * One case of one run: a peer, a payload size and a follower count. {@code latency},
 * {@code throughput} and {@code memory} are null unless {@code status} is {@link Status#OK}.
 */
public record CaseResult(String peer, int payloadBytes, int followers, int run, Status status, String note,
                         Latency latency, Throughput throughput, Memory memory) {

    public enum Status { OK, SKIPPED, FAILED }

    /** Publish→observe one-way latency over all followers' samples, nanoseconds. */
    public record Latency(long samples, long p50, long p90, long p99, long p999, long max, double mean) {
    }

    /**
     * Messages per second the master published during the throughput phase, and the lowest
     * rate of distinct messages any follower observed (latest-value peers skip, streams do not).
     */
    public record Throughput(double publishedPerSecond, double observedPerSecond) {
    }

    /** Resident set (VmRSS) and its shared-memory part (RssShmem), KiB, at the idle point. */
    public record Memory(long masterRssKiB, long masterShmemKiB, long followerRssKiB, long followerShmemKiB) {
    }

    static CaseResult skipped(String peer, int payloadBytes, int followers, int run, String reason) {
        return new CaseResult(peer, payloadBytes, followers, run, Status.SKIPPED, reason, null, null, null);
    }

    static CaseResult failed(String peer, int payloadBytes, int followers, int run, String reason) {
        return new CaseResult(peer, payloadBytes, followers, run, Status.FAILED, reason, null, null, null);
    }
}
