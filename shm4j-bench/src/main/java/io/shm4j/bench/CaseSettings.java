package io.shm4j.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How one case measures: warm-up time, latency phase (time, fewest rounds and sample cap), an optional pause
 * between latency samples (0: publish as soon as every follower acknowledged; longer: followers
 * go idle before each publish, which measures a wake-up), how long the followers' idle CPU use is
 * watched after the latency phase (0: not watched), the throughput phase, and for a staleness
 * case ({@code hogs} not null) how many CPU hogs run during the throughput phase (the runner's own,
 * like the idle window).
 */
public record CaseSettings(Duration warmup, Duration latency, int maxSamples, long pauseMicros, Duration idleCpuWindow,
                           Duration throughput, Integer hogs) {

    /** The longest latency phase {@link #withLatency} takes: its limit, 10 times it, is already 100 minutes per case. */
    static final Duration MAX_LATENCY = Duration.ofMinutes(10);

    /** The smoke test's: a fraction of a second per phase. */
    public static CaseSettings smoke() {
        return new CaseSettings(Duration.ofMillis(100), Duration.ofMillis(100), 2_000, 0, Duration.ZERO, Duration.ofMillis(50), null);
    }

    /** {@code --quick}: short phases, so that the whole suite fits in under 3 minutes. */
    public static CaseSettings quick() {
        return new CaseSettings(Duration.ofMillis(250), Duration.ofMillis(400), 50_000, 0, Duration.ofMillis(100),
                Duration.ofMillis(150), null);
    }

    /**
     * The full run: a warm-up long enough for C2 on both sides, a latency phase of up to 500,000
     * samples (a p99.9 from 500 of them), and short idle and throughput phases, so that five
     * interleaved runs of every case fit in about half an hour.
     */
    public static CaseSettings full() {
        return new CaseSettings(Duration.ofMillis(1500), Duration.ofMillis(1500), 500_000, 0, Duration.ofMillis(500),
                Duration.ofMillis(500), null);
    }

    /**
     * A latency phase of {@code time} (1 ms to 10 minutes), and with it its fewest rounds and its
     * limit ({@code --latency-ms}): ten times the time for a p99.9 of ten times the samples.
     */
    public CaseSettings withLatency(Duration time) {
        BenchPlan.within(time.toMillis(), 1, MAX_LATENCY.toMillis(), "the latency phase in milliseconds", "10 minutes");
        return new CaseSettings(warmup, time, maxSamples, pauseMicros, idleCpuWindow, throughput, hogs);
    }

    public CaseSettings withPauseMicros(long micros) {
        return new CaseSettings(warmup, latency, maxSamples, micros, idleCpuWindow, throughput, hogs);
    }

    public CaseSettings withIdleCpuWindow(Duration window) {
        return new CaseSettings(warmup, latency, maxSamples, pauseMicros, window, throughput, hogs);
    }

    /**
     * A staleness case: {@code hogs} CPU hogs during a throughput phase {@code factor} times as long
     * (its p99.9 of the time between new versions needs thousands of them).
     */
    public CaseSettings withOverload(int hogCount, int factor) {
        return new CaseSettings(warmup, latency, maxSamples, pauseMicros, idleCpuWindow, throughput.multipliedBy(factor), hogCount);
    }

    /**
     * The fewest publishes the warm-up makes, however long they take: 10 per millisecond of
     * {@link #warmup()} (15,000 in a full run). A time alone is not enough: with 16 followers on a
     * busy 2-core machine a round took milliseconds, 1.5 s held about 100 of them, and the
     * followers' read path was still interpreted when the latency phase began (docs/BENCHMARKS.md,
     * "Sixteen followers: the herd"). C2 compiles a method after about 10,000 calls.
     */
    public long warmupRounds() {
        return warmup.toMillis() * 10;
    }

    /**
     * The longest the warm-up goes on to reach {@link #warmupRounds()}: 60 times {@link #warmup()}
     * (90 s in a full run): sixteen follower JVMs starting at once on a busy 2-core machine
     * finished their C2 compilations of the wake-up path about a minute after they started.
     */
    public Duration warmupLimit() {
        return warmup.multipliedBy(60);
    }

    /**
     * The fewest rounds the latency phase makes, however long they take: 10 per millisecond of
     * {@link #latency()} (15,000 in a full run), at most {@link #maxSamples()}, so that a p99.9 is
     * taken from 15 samples or more. A time alone is not enough: at 1 MiB a round took 150-250 µs,
     * 1.5 s held 5,000-6,000 of them, and the p99.9 was the 5 or 6 slowest (docs/BENCHMARKS.md,
     * "The full harness at 9981d80").
     */
    public long latencyRounds() {
        return Math.min(maxSamples, latency.toMillis() * 10);
    }

    /**
     * The longest the latency phase goes on to reach {@link #latencyRounds()}: 10 times
     * {@link #latency()} (15 s in a full run; a wake-up case, 2 ms between rounds, ends there).
     */
    public Duration latencyLimit() {
        return latency.multipliedBy(10);
    }

    /**
     * Whether the latency phase makes another round after {@code rounds} of them in
     * {@code elapsedNanos}: until its time is up and it made {@link #latencyRounds()}, or its
     * limit is up; never beyond {@link #maxSamples()}.
     */
    public boolean latencyGoesOn(long rounds, long elapsedNanos) {
        return rounds < maxSamples && (elapsedNanos < latency.toNanos()
                || rounds < latencyRounds() && elapsedNanos < latencyLimit().toNanos());
    }

    /** The whole case's expected length, for the runner's timeouts. */
    public Duration expectedLength() {
        return warmupLimit().plus(latencyLimit()).plus(idleCpuWindow).plus(throughput).plus(Duration.ofSeconds(1));
    }

    /** The master's arguments (the idle window is the runner's own). */
    List<String> toOptions() {
        return List.of("warmupMillis=" + warmup.toMillis(), "latencyMillis=" + latency.toMillis(),
                "maxSamples=" + maxSamples, "pauseMicros=" + pauseMicros, "throughputMillis=" + throughput.toMillis());
    }

    static CaseSettings fromOptions(Map<String, String> options) {
        return new CaseSettings(Duration.ofMillis(Long.parseLong(options.get("warmupMillis"))),
                Duration.ofMillis(Long.parseLong(options.get("latencyMillis"))),
                Integer.parseInt(options.get("maxSamples")),
                Long.parseLong(options.get("pauseMicros")),
                Duration.ZERO,
                Duration.ofMillis(Long.parseLong(options.get("throughputMillis"))), null);
    }
}
