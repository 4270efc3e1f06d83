package io.shm4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance targets of issues 3, 4 and 5, each checked against this run's figures: what was
 * measured, the limit, met or missed and by how much. A target whose figures this run lacks (a
 * peer not run, JMH skipped) says so instead of guessing.
 */
final class Targets {
    private static final int KIB = 1024;
    private static final int SCALED_FOLLOWERS = 16;

    /** One target: {@code measured} against {@code limit} (both already in the target's unit). */
    record Target(String issue, String name, String measured, String limit, String status, String margin) {
        Target(String issue, String name, String measured, String limit, Boolean met, String margin) {
            this(issue, name, measured, limit, met == null ? "not measured" : met ? "met" : "missed", margin);
        }
    }

    private final Report report;

    Targets(Report report) {
        this.report = report;
    }

    List<Target> evaluate() {
        List<Target> targets = new ArrayList<>();
        for (int size : List.of(64, KIB)) {
            targets.add(atMost("4, 5", "BUSY_SPIN publish→observe p50 ÷ raw limit, " + Units.bytes(size),
                    hotRatio(Report.SHM4J_PEER, Report.LIMIT_PEER, size), 1.5));
        }
        targets.add(atLeast("5", "UDS p50 ÷ shm4j (spin) p50, 1 KiB", hotRatio("uds", Report.SHM4J_PEER, KIB), 10));
        targets.add(fasterThanEveryPeer());
        for (int size : List.of(64 * KIB, 1024 * KIB)) {
            targets.add(atLeast("5", "new-version read bandwidth ÷ plain mapped→heap copy, " + Units.bytes(size),
                    Optional.ofNullable(ratio(report.jmhScore("Baseline.mappedToHeapCopy", size),
                            report.jmhDifference("SharedObject.publishRawThenSnapshot", "SharedObject.publishRaw", size))), 0.5));
        }
        for (String peer : List.of(Report.SHM4J_PEER, Peers.SHM4J_BLOCK)) {
            targets.add(atMost("5", peer + ": p50 with " + SCALED_FOLLOWERS + " followers ÷ 1 follower, 1 KiB",
                    report.find(peer, KIB, SCALED_FOLLOWERS, 0).map(report::followerRatio), 1.2));
        }
        targets.add(atMostNanos("3", "follower get() with no new version (JMH, 1 KiB)",
                Optional.ofNullable(report.jmhScore("SharedObject.getUnchanged", KIB)), 10));
        targets.add(atMost("3", "raw snapshot() of a new 1 KiB version ÷ plain copy (JMH)",
                Optional.ofNullable(ratio(report.jmhDifference("SharedObject.publishRawThenSnapshot", "SharedObject.publishRaw", KIB),
                        report.jmhScore("Baseline.mappedToHeapCopy", KIB))), 2));
        targets.add(atMost("3", "raw readNewer() of a 1 KiB version into a reused buffer ÷ plain copy (JMH)",
                Optional.ofNullable(ratio(report.jmhScore("SharedObject.readNewer", KIB), report.jmhScore("Baseline.mappedToHeapCopy", KIB))), 2));
        targets.add(atMost("3", "JSON get() of a new 1 KiB version ÷ Jackson parse of the same bytes, both after a publish (JMH)",
                Optional.ofNullable(ratio(report.jsonGet(KIB), report.jsonParse(KIB))), 1.1));
        targets.add(atMostNanos("3", "publish of 1 KiB raw (JMH)", Optional.ofNullable(report.jmhScore("SharedObject.publishRaw", KIB)), 500));
        Optional<Summary> blockWakeup = report.summaries().stream()
                .filter(s -> s.peer().equals(Peers.SHM4J_BLOCK) && s.pauseMicros() > 0 && s.followers() == 1).findFirst();
        targets.add(atMost("4", "BLOCK wake-up of an idle follower p50 ÷ blocking UDS read",
                blockWakeup.map(s -> report.ratio(s, Report.WAKEUP_REFERENCE_PEER)), 1.2));
        targets.add(atMostPercent("4", "idle BLOCK follower CPU, % of one core",
                blockWakeup.map(Summary::followerIdleCpuPercent), 0.5));
        return targets;
    }

    /** The p50 of {@code peer} divided by {@code reference}'s, one follower, no pause. */
    private Optional<Double> hotRatio(String peer, String reference, int size) {
        return report.find(peer, size, 1, 0).map(s -> report.ratio(s, reference));
    }

    private Target fasterThanEveryPeer() {
        List<String> slower = new ArrayList<>();
        int compared = 0;
        for (Summary s : report.summaries()) {
            if (s.followers() != 1 || s.pauseMicros() != 0 || s.p50() == null || s.peer().startsWith("shm4j")
                    || s.peer().equals(Report.LIMIT_PEER)) {
                continue;
            }
            Double ratio = report.ratio(s, Report.SHM4J_PEER);
            if (ratio == null) {
                continue;
            }
            compared++;
            if (ratio <= 1) {
                slower.add(s.peer() + " " + Units.bytes(s.payloadBytes()) + " (" + Units.ratio(ratio) + ")");
            }
        }
        if (compared == 0) {
            return new Target("5", "shm4j (spin) p50 below every peer's, every size", "–", "all", (Boolean) null, "");
        }
        return new Target("5", "shm4j (spin) p50 below every peer's, every size",
                slower.isEmpty() ? "below all " + compared : "not below " + String.join(", ", slower),
                "all " + compared, slower.isEmpty(), slower.isEmpty() ? "" : slower.size() + " of " + compared + " cases");
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b <= 0 ? null : a / b;
    }

    private static Target atMost(String issue, String name, Optional<Double> measured, double limit) {
        return measured.filter(v -> v != null)
                .map(v -> new Target(issue, name, Units.ratio(v), "≤ " + Units.ratio(limit), v <= limit, by(v, limit)))
                .orElse(new Target(issue, name, "–", "≤ " + Units.ratio(limit), (Boolean) null, ""));
    }

    private static Target atLeast(String issue, String name, Optional<Double> measured, double limit) {
        return measured.filter(v -> v != null)
                .map(v -> new Target(issue, name, Units.ratio(v), "≥ " + Units.ratio(limit), v >= limit, by(v, limit)))
                .orElse(new Target(issue, name, "–", "≥ " + Units.ratio(limit), (Boolean) null, ""));
    }

    private static Target atMostNanos(String issue, String name, Optional<Double> nanos, double limit) {
        return nanos.map(v -> new Target(issue, name, Units.nanos(v), "≤ " + Units.nanos(limit), v <= limit, by(v, limit)))
                .orElse(new Target(issue, name, "–", "≤ " + Units.nanos(limit), (Boolean) null, ""));
    }

    private static Target atMostPercent(String issue, String name, Optional<Double> percent, double limit) {
        return percent.filter(v -> v != null)
                .map(v -> new Target(issue, name, Units.percent(v), "≤ " + Units.percent(limit), v <= limit, by(v, limit)))
                .orElse(new Target(issue, name, "–", "≤ " + Units.percent(limit), (Boolean) null, ""));
    }

    /** How far {@code value} is from {@code limit}, as a factor: "2.3x the limit" / "0.4x the limit". */
    private static String by(double value, double limit) {
        return String.format(Locale.ROOT, "%.2fx the limit", value / limit);
    }
}
