package io.shm4j.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How long one case measures: warm-up time, latency phase (time and sample cap), throughput
 * phase, and an optional pause between latency samples (0: publish as soon as every follower
 * acknowledged).
 */
public record CaseSettings(Duration warmup, Duration latency, int maxSamples, Duration throughput, long pauseMicros) {

    /** The smoke test's: a fraction of a second per phase. */
    public static CaseSettings smoke() {
        return new CaseSettings(Duration.ofMillis(150), Duration.ofMillis(150), 2_000, Duration.ofMillis(100), 0);
    }

    /** {@code --quick}: enough for stable medians of the fast peers, under 3 minutes in all. */
    public static CaseSettings quick() {
        return new CaseSettings(Duration.ofMillis(400), Duration.ofMillis(700), 50_000, Duration.ofMillis(300), 0);
    }

    /** The full run. */
    public static CaseSettings full() {
        return new CaseSettings(Duration.ofSeconds(2), Duration.ofSeconds(4), 500_000, Duration.ofSeconds(2), 0);
    }

    public CaseSettings withPauseMicros(long micros) {
        return new CaseSettings(warmup, latency, maxSamples, throughput, micros);
    }

    /** The whole case's worst expected length, for the runner's timeout. */
    public Duration expectedLength() {
        return warmup.plus(latency).plus(throughput);
    }

    List<String> toOptions() {
        return List.of("warmupMillis=" + warmup.toMillis(), "latencyMillis=" + latency.toMillis(),
                "maxSamples=" + maxSamples, "throughputMillis=" + throughput.toMillis(), "pauseMicros=" + pauseMicros);
    }

    static CaseSettings fromOptions(Map<String, String> options) {
        return new CaseSettings(Duration.ofMillis(Long.parseLong(options.get("warmupMillis"))),
                Duration.ofMillis(Long.parseLong(options.get("latencyMillis"))),
                Integer.parseInt(options.get("maxSamples")),
                Duration.ofMillis(Long.parseLong(options.get("throughputMillis"))),
                Long.parseLong(options.get("pauseMicros")));
    }
}
