package io.shm4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * One case over all runs: the median of each figure over the runs that succeeded, and the spread
 * of the p50 (lowest, highest) to show how noisy it is; the staleness figures' medians, and the
 * tail's counts summed over the runs. {@code status} is OK when at least one run succeeded;
 * otherwise the first run's status and note say why not. Ratios between peers are not medians
 * of these medians but taken within each run ({@link Report#ratio}).
 */
public record Summary(String peer, int payloadBytes, int followers, long pauseMicros, Integer hogs, int runsOk, int runs,
                      CaseResult.Status status, String note, Double p50, Double p50Low, Double p50High, Double p90,
                      Double p99, Double p999, Double max, Double publishedPerSecond, Double observedPerSecond,
                      Double masterRssKiB, Double followerRssKiB, Double followerShmemKiB, Double followerIdleCpuPercent,
                      CaseResult.Staleness staleness, CaseResult.Tail tail) {

    /** The key of a case: results with the same key are runs of one case. */
    static String key(String peer, int payloadBytes, int followers, long pauseMicros, Integer hogs) {
        return peer + "/" + payloadBytes + "/" + followers + "/" + pauseMicros + "/" + hogs;
    }

    static String key(CaseResult r) {
        return key(r.peer(), r.payloadBytes(), r.followers(), r.pauseMicros(), r.hogs());
    }

    public String key() {
        return key(peer, payloadBytes, followers, pauseMicros, hogs);
    }

    /** Groups results by (peer, size, followers, pause, hogs), keeping the order in which cases first ran. */
    public static List<Summary> of(List<CaseResult> results) {
        Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
        for (CaseResult result : results) {
            groups.computeIfAbsent(key(result), key -> new ArrayList<>()).add(result);
        }
        return groups.values().stream().map(Summary::summarize).toList();
    }

    private static Summary summarize(List<CaseResult> group) {
        CaseResult first = group.getFirst();
        List<CaseResult> ok = group.stream().filter(r -> r.status() == CaseResult.Status.OK).toList();
        if (ok.isEmpty()) {
            return new Summary(first.peer(), first.payloadBytes(), first.followers(), first.pauseMicros(), first.hogs(), 0,
                    group.size(), first.status(), first.note(), null, null, null, null, null, null, null, null, null, null, null, null,
                    null, null, null);
        }
        String note = ok.size() == group.size() ? "" : (group.size() - ok.size()) + " of " + group.size()
                + " runs failed: " + group.stream().filter(r -> r.status() != CaseResult.Status.OK).findFirst().orElseThrow().note();
        List<CaseResult> watched = ok.stream().filter(r -> r.memory().followerIdleCpuPercent() != null).toList();
        List<CaseResult.Staleness> stale = ok.stream().map(CaseResult::staleness).filter(x -> x != null).toList();
        List<CaseResult.Tail> tails = ok.stream().map(CaseResult::tail).filter(x -> x != null).toList();
        return new Summary(first.peer(), first.payloadBytes(), first.followers(), first.pauseMicros(), first.hogs(), ok.size(),
                group.size(),
                CaseResult.Status.OK, note,
                median(ok, r -> r.latency().p50()),
                ok.stream().mapToDouble(r -> r.latency().p50()).min().orElseThrow(),
                ok.stream().mapToDouble(r -> r.latency().p50()).max().orElseThrow(),
                median(ok, r -> r.latency().p90()),
                median(ok, r -> r.latency().p99()),
                median(ok, r -> r.latency().p999()),
                median(ok, r -> r.latency().max()),
                median(ok, r -> r.throughput().publishedPerSecond()),
                median(ok, r -> r.throughput().observedPerSecond()),
                median(ok, r -> r.memory().masterRssKiB()),
                median(ok, r -> r.memory().followerRssKiB()),
                median(ok, r -> r.memory().followerShmemKiB()),
                watched.isEmpty() ? null : median(watched, r -> r.memory().followerIdleCpuPercent()),
                stale.isEmpty() ? null : new CaseResult.Staleness(
                        (long) medianOf(stale, CaseResult.Staleness::versions), (long) medianOf(stale, CaseResult.Staleness::gapP50),
                        (long) medianOf(stale, CaseResult.Staleness::gapP99), (long) medianOf(stale, CaseResult.Staleness::gapP999),
                        (long) medianOf(stale, CaseResult.Staleness::gapMax), count(stale, CaseResult.Staleness::longGaps),
                        recordedMedian(stale, CaseResult.Staleness::longGapPercent), count(stale, CaseResult.Staleness::stalls),
                        count(stale, CaseResult.Staleness::interrupts),
                        (long) medianOf(stale, CaseResult.Staleness::behindP50),
                        (long) medianOf(stale, CaseResult.Staleness::behindP99), (long) medianOf(stale, CaseResult.Staleness::behindP999),
                        (long) medianOf(stale, CaseResult.Staleness::behindMax), placement(stale)),
                tails.isEmpty() ? null : tails.stream().reduce(Summary::sum).orElseThrow());
    }

    /** The median of a figure over the runs that recorded it (null if none did: results from before it was). */
    private static Double recordedMedian(List<CaseResult.Staleness> stale, Function<CaseResult.Staleness, ? extends Number> figure) {
        List<Double> recorded = stale.stream().map(figure).filter(x -> x != null).map(Number::doubleValue).toList();
        return recorded.isEmpty() ? null : medianOf(recorded, Double::doubleValue);
    }

    /** {@link #recordedMedian} of a count, as a count. */
    private static Long count(List<CaseResult.Staleness> stale, Function<CaseResult.Staleness, Long> figure) {
        Double median = recordedMedian(stale, figure);
        return median == null ? null : median.longValue();
    }

    /** The runs' placements: samples summed, the share on the master's CPU and the moves their medians (null if none). */
    private static CaseResult.Placement placement(List<CaseResult.Staleness> stale) {
        List<CaseResult.Placement> placed = stale.stream().map(CaseResult.Staleness::placement).filter(x -> x != null).toList();
        return placed.isEmpty() ? null : new CaseResult.Placement(placed.stream().mapToLong(CaseResult.Placement::samples).sum(),
                medianOf(placed, CaseResult.Placement::sameCpuPercent), (long) medianOf(placed, CaseResult.Placement::moves));
    }

    /** Two runs' tails added up (the longest safepoint, slowest and fastest tail sample: the extremes). */
    private static CaseResult.Tail sum(CaseResult.Tail a, CaseResult.Tail b) {
        return new CaseResult.Tail(a.master().plus(b.master()), a.followers().plus(b.followers()), a.samples() + b.samples(),
                Math.max(a.slowestSampleNanos(), b.slowestSampleNanos()), Math.min(a.fastestSampleNanos(), b.fastestSampleNanos()),
                a.duringMasterSafepoint() + b.duringMasterSafepoint(), a.duringFollowerSafepoint() + b.duringFollowerSafepoint(),
                a.duringCollection() + b.duringCollection(), a.masterSafepoints() + b.masterSafepoints(),
                a.followerSafepoints() + b.followerSafepoints(), Math.max(a.longestSafepointNanos(), b.longestSafepointNanos()));
    }

    private static <T> double medianOf(List<T> values, ToDoubleFunction<T> figure) {
        double[] sorted = values.stream().mapToDouble(figure).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    static double median(List<CaseResult> results, ToDoubleFunction<CaseResult> figure) {
        return medianOf(results, figure);
    }

    /** Observed bytes per second: the lowest follower's message rate times the payload size. */
    public Double observedBytesPerSecond() {
        return observedPerSecond == null ? null : observedPerSecond * payloadBytes;
    }
}
