package io.shm4j.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * One case over all runs: the median of each figure over the runs that succeeded, and the spread
 * of the p50 (lowest, highest) to show how noisy it is. {@code status} is OK when at least one
 * run succeeded; otherwise the first run's status and note say why not.
 */
public record Summary(String peer, int payloadBytes, int followers, long pauseMicros, int runsOk, int runs,
                      CaseResult.Status status, String note, Double p50, Double p50Low, Double p50High, Double p90,
                      Double p99, Double p999, Double max, Double publishedPerSecond, Double observedPerSecond,
                      Double masterRssKiB, Double followerRssKiB, Double followerShmemKiB, Double followerIdleCpuPercent) {

    /** Groups results by (peer, size, followers, pause), keeping the order in which cases first ran. */
    public static List<Summary> of(List<CaseResult> results) {
        Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
        for (CaseResult result : results) {
            groups.computeIfAbsent(result.peer() + "/" + result.payloadBytes() + "/" + result.followers() + "/" + result.pauseMicros(),
                    key -> new ArrayList<>()).add(result);
        }
        return groups.values().stream().map(Summary::summarize).toList();
    }

    private static Summary summarize(List<CaseResult> group) {
        CaseResult first = group.getFirst();
        List<CaseResult> ok = group.stream().filter(r -> r.status() == CaseResult.Status.OK).toList();
        if (ok.isEmpty()) {
            return new Summary(first.peer(), first.payloadBytes(), first.followers(), first.pauseMicros(), 0, group.size(),
                    first.status(), first.note(), null, null, null, null, null, null, null, null, null, null, null, null, null);
        }
        String note = ok.size() == group.size() ? "" : (group.size() - ok.size()) + " of " + group.size()
                + " runs failed: " + group.stream().filter(r -> r.status() != CaseResult.Status.OK).findFirst().orElseThrow().note();
        List<CaseResult> watched = ok.stream().filter(r -> r.memory().followerIdleCpuPercent() != null).toList();
        return new Summary(first.peer(), first.payloadBytes(), first.followers(), first.pauseMicros(), ok.size(), group.size(),
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
                watched.isEmpty() ? null : median(watched, r -> r.memory().followerIdleCpuPercent()));
    }

    static double median(List<CaseResult> results, ToDoubleFunction<CaseResult> figure) {
        double[] values = results.stream().mapToDouble(figure).toArray();
        Arrays.sort(values);
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /** Observed bytes per second: the lowest follower's message rate times the payload size. */
    public Double observedBytesPerSecond() {
        return observedPerSecond == null ? null : observedPerSecond * payloadBytes;
    }
}
