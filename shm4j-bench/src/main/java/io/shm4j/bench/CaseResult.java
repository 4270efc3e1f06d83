package io.shm4j.bench;

/**
 * One case of one run: a peer, a payload size and a follower count; {@code hogs} is the number of
 * CPU hogs of a staleness case, null for the others. {@code latency}, {@code throughput},
 * {@code memory}, {@code staleness} and {@code tail} are null unless {@code status} is
 * {@link Status#OK} ({@code staleness} and {@code tail} also in results written before they existed);
 * {@code coherence} is null for a case that did not run and in results written before it existed.
 */
public record CaseResult(String peer, int payloadBytes, int followers, long pauseMicros, Integer hogs, int run, Status status,
                         String note, Latency latency, Throughput throughput, Memory memory, Staleness staleness, Tail tail,
                         Coherence coherence) {

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
     * The throughput phase as a follower sees it, all followers merged: the time between two new
     * versions it observed (nanoseconds); how many of those gaps were long ({@link #LONG_GAP_NANOS}
     * or more) and the percent of the phase they took; how many were stalls ({@link #STALL_NANOS}
     * or more); the interrupts all CPUs served during the phase; at each observation, how many
     * versions the master had published beyond the one observed; where the scheduler put the
     * busy threads meanwhile. The long gaps, stalls, interrupts and placement are null in results
     * written before they were recorded.
     */
    public record Staleness(long versions, long gapP50, long gapP99, long gapP999, long gapMax, Long longGaps,
                            Double longGapPercent, Long stalls, Long interrupts, long behindP50, long behindP99,
                            long behindP999, long behindMax, Placement placement) {
        /**
         * A gap this long is the scheduler's, not the protocol's: a thousand times a 1 KiB publish,
         * and about a scheduler slice, for which a thread on a shared CPU waits.
         */
        public static final long LONG_GAP_NANOS = 1_000_000;
        /**
         * A gap this long is a stall: over ten times a 1 KiB publish, so not a version the
         * follower missed but a time it or its master did not run (an interrupt, a context
         * switch) or a run of reads the master overtook. Counted per phase, stalls do not depend
         * on how fast the master publishes, unlike a percentile of the gaps: a master that
         * publishes three times as fast takes its 99.9th percentile three times further down
         * the same tail of stalls (docs/BENCHMARKS.md, "Stalls, not ranks").
         */
        public static final long STALL_NANOS = 10_000;
    }

    /**
     * Where the scheduler put the master's busiest thread and each follower's during a phase
     * ({@link PlacementSampler}): of {@code samples} (sample, follower) pairs, the percent
     * in which the follower's thread had last run on its master's CPU, and how many times the
     * busiest threads were seen to change CPU between samples (all summed).
     */
    public record Placement(long samples, double sameCpuPercent, long moves) {
    }

    /**
     * Where the latency phase's tail comes from: the publishing thread's and the followers'
     * (summed) {@link ThreadCounters} over the phase; the slowest 0.1% of samples ({@code samples}
     * of them, at least one per follower), and how many of those overlapped a safepoint of the
     * master's JVM, of the follower's own JVM, or a safepoint that collected garbage (either JVM);
     * the safepoints of each JVM during the case (all followers summed) and the longest one.
     */
    public record Tail(ThreadCounters master, ThreadCounters followers, int samples, long slowestSampleNanos,
                       long fastestSampleNanos, int duringMasterSafepoint, int duringFollowerSafepoint, int duringCollection,
                       int masterSafepoints, int followerSafepoints, long longestSafepointNanos) {
    }

    /**
     * At the idle point (after the latency phase, before throughput): resident set (VmRSS) and
     * its shared-memory part (RssShmem) in KiB, the highest over followers; and the followers'
     * highest CPU use while waiting, percent of one core ({@code null} when not watched).
     */
    public record Memory(long masterRssKiB, long masterShmemKiB, long followerRssKiB, long followerShmemKiB,
                         Double followerIdleCpuPercent) {
    }

    /**
     * The machine's state around the case: {@link CoherenceProbe#sharedCopyRatio()} just before
     * and just after it.
     */
    public record Coherence(double before, double after) {
        public CoherenceProbe.State state() {
            return CoherenceProbe.State.of(before, after);
        }
    }

    /** This result with the machine's state around it. */
    CaseResult withCoherence(Coherence around) {
        return new CaseResult(peer, payloadBytes, followers, pauseMicros, hogs, run, status, note, latency, throughput, memory,
                staleness, tail, around);
    }

    /** The machine's state around the case, null if not probed. */
    CoherenceProbe.State state() {
        return coherence == null ? null : coherence.state();
    }

    static CaseResult skipped(BenchPlan.Case c, String reason) {
        return new CaseResult(c.peer().name(), c.payloadBytes(), c.followers(), c.settings().pauseMicros(), c.settings().hogs(),
                c.run(), Status.SKIPPED, reason, null, null, null, null, null, null);
    }

    static CaseResult failed(BenchPlan.Case c, String reason) {
        return new CaseResult(c.peer().name(), c.payloadBytes(), c.followers(), c.settings().pauseMicros(), c.settings().hogs(),
                c.run(), Status.FAILED, reason, null, null, null, null, null, null);
    }
}
