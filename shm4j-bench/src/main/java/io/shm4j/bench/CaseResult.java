package io.shm4j.bench;

/**
 * One case of one run: a peer, a payload size and a follower count. {@code latency},
 * {@code throughput} and {@code memory} are null unless {@code status} is {@link Status#OK}.
 */
public record CaseResult(String peer, int payloadBytes, int followers, long pauseMicros, int run, Status status,
                         String note, Latency latency, Throughput throughput, Memory memory) {

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

    /**
     * At the idle point (after the latency phase, before throughput): resident set (VmRSS) and
     * its shared-memory part (RssShmem) in KiB, the highest over followers; and the followers'
     * highest CPU use while waiting, percent of one core ({@code null} when not watched).
     */
    public record Memory(long masterRssKiB, long masterShmemKiB, long followerRssKiB, long followerShmemKiB,
                         Double followerIdleCpuPercent) {
    }

    static CaseResult skipped(BenchPlan.Case c, String reason) {
        return new CaseResult(c.peer().name(), c.payloadBytes(), c.followers(), c.settings().pauseMicros(), c.run(),
                Status.SKIPPED, reason, null, null, null);
    }

    static CaseResult failed(BenchPlan.Case c, String reason) {
        return new CaseResult(c.peer().name(), c.payloadBytes(), c.followers(), c.settings().pauseMicros(), c.run(),
                Status.FAILED, reason, null, null, null);
    }
}
