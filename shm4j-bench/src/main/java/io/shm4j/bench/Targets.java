package io.shm4j.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoublePredicate;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

import io.shm4j.bench.CoherenceProbe.State;

/**
 * The performance targets of issue 16 (which restated the speed targets of issues 3, 4 and 5)
 * and the ones of issues 3 and 4 it left standing, each checked against this run's figures: what
 * was measured, the limit, met or missed and by how much. Cross-process ratios are medians of
 * per-run ratios ({@link Report.Ratio}), shown with every run's, and judged in each of the
 * machine's states apart ({@link CoherenceProbe}): met only if met in every state measured. A
 * target whose figures this run lacks (a peer not run, JMH skipped) says so instead of guessing.
 */
final class Targets {
    private static final int KIB = 1024;
    private static final int HERD_FOLLOWERS = 16;
    private static final String AGRONA = "agrona";
    private static final String UNVERIFIED = "shm4j-unverified";
    /**
     * How far above Agrona's and the limit's lower level shm4j-spin's may be, per payload size:
     * 100 ns for the work per handoff that neither does (the publish time's clock read, the
     * follower's version, length and type checks, its registry stores), plus the two CRC-32s of
     * the payload, the master's and the follower's (JMH {@code Baseline.crc32}: 8-10 ns at 64 B,
     * 27-31 ns at 1 KiB, rounded up to 10 and 30).
     */
    private static final Map<Integer, Long> SMALL_SIZE_MARGIN_NANOS = Map.of(64, 100L + 2 * 10, KIB, 100L + 2 * 30);
    private static final ToDoubleFunction<CaseResult> P50 = r -> r.latency().p50();
    private static final ToDoubleFunction<CaseResult> P99 = r -> r.latency().p99();
    private static final ToDoubleFunction<CaseResult> P999 = r -> r.latency().p999();

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
        List<Integer> sizes = report.summaries().stream().filter(s -> s.peer().equals(Report.SHM4J_PEER) && s.followers() == 1
                && s.pauseMicros() == 0 && s.hogs() == null).map(Summary::payloadBytes).distinct().sorted().toList();
        for (int size : sizes) {
            targets.add(ratioAtMost("16", "shm4j-spin p50 ÷ Agrona's, " + Units.bytes(size),
                    versus(hot(Report.SHM4J_PEER, size), AGRONA, P50), 1.0, true));
        }
        for (int size : sizes) {
            if (size >= 64 * KIB) { // where the CRC-32 costs about as much as the copy
                targets.add(ratioAtMost("16", "shm4j-unverified (withVerifyChecksums(false)) p50 ÷ Agrona's, " + Units.bytes(size),
                        versus(hot(UNVERIFIED, size), AGRONA, P50), 1.0, true));
            }
        }
        for (int size : sizes) {
            targets.add(ratioAtMost("16", "shm4j-spin p99.9 ÷ Agrona's, " + Units.bytes(size),
                    versus(hot(Report.SHM4J_PEER, size), AGRONA, P999), 1.0, false));
        }
        for (int size : sizes) {
            Optional<Summary> spin = hot(Report.SHM4J_PEER, size);
            targets.add(ratioAtMost("16", "shm4j-spin p50 ÷ the limit (fastest raw variant), " + Units.bytes(size),
                    state -> spin.map(s -> report.toLimit(s, CaseResult.Latency::p50, state)).orElse(null), 1.3, false));
        }
        // Proposed in place of the p50 targets against Agrona and the limit at 64 B and 1 KiB
        // (the owner has not answered): each peer's lower level over the runs, which compares
        // peers on the lower of this VM's two levels (docs/BENCHMARKS.md, "64 B: levels by peer").
        for (int size : sizes) {
            Long margin = SMALL_SIZE_MARGIN_NANOS.get(size);
            if (margin != null) {
                targets.add(levelAbove("small sizes, restated: shm4j-spin's lower level of p50s over the runs − Agrona's, "
                        + Units.bytes(size), state -> report.lowerLevelP50(AGRONA, size, state), size, margin));
                targets.add(levelAbove("small sizes, restated: shm4j-spin's lower level of p50s over the runs − the limit's, "
                        + Units.bytes(size), state -> report.lowerLevelLimitP50(size, state), size, margin));
            }
        }
        targets.add(noPeerBeatsTheLimit());
        // In pairs where they ran (robust on a shared machine), else from JMH.
        Optional<InProcessPairs.PairResult> readNewer1k = report.pair(InProcessPairs.READ, KIB, InProcessPairs.READ_NEWER);
        targets.add(atMost("16", "readNewer() ÷ (copy + CRC-32) of the same bytes, 1 KiB (" + (readNewer1k.isPresent() ? "pairs" : "JMH") + ")",
                readNewer1k.map(InProcessPairs.PairResult::toUnfused).or(() -> Optional.ofNullable(
                        ratio(report.jmhScore("SharedObject.readNewer", KIB), report.jmhScore("Baseline.copyAndCrc32", KIB)))),
                1.3));
        for (int size : List.of(64 * KIB, 1024 * KIB)) {
            Optional<InProcessPairs.PairResult> pair = report.pair(InProcessPairs.READ, size, InProcessPairs.READ_NEWER);
            targets.add(atLeast("16", "readNewer() bandwidth ÷ plain mapped→heap copy's, " + Units.bytes(size)
                            + " (" + (pair.isPresent() ? "pairs" : "JMH") + ")",
                    pair.map(p -> 1 / p.toCopy()).or(() -> Optional.ofNullable(
                            ratio(report.jmhScore("Baseline.mappedToHeapCopy", size), report.jmhScore("SharedObject.readNewer", size)))),
                    0.75));
            targets.add(atLeast("16", "readNewer() with withVerifyChecksums(false), bandwidth ÷ plain copy's, " + Units.bytes(size)
                            + " (pairs)",
                    report.pair(InProcessPairs.READ, size, InProcessPairs.READ_NEWER_UNVERIFIED).map(p -> 1 / p.toCopy()), 0.75));
        }
        Optional<Summary> herd = report.find(Peers.SHM4J_BLOCK, KIB, HERD_FOLLOWERS, 0);
        targets.add(ratioAtMost("16", "shm4j-block p50 ÷ UDS's, " + HERD_FOLLOWERS + " followers, 1 KiB",
                versus(herd, "uds", P50), 1.0, false));
        targets.add(ratioAtMost("16", "shm4j-block p99 ÷ UDS's, " + HERD_FOLLOWERS + " followers, 1 KiB",
                versus(herd, "uds", P99), 1.0, false));
        Optional<Summary> overload = report.overload(Report.SHM4J_PEER);
        targets.add(ratioAtMost("16", "staleness under overload: shm4j-spin p99.9 time between new versions ÷ raw's",
                state -> overload.map(s -> report.stalenessRatio(s, state)).orElse(null), 1.2, false));
        // The same factor on figures that do not depend on the master's rate (docs/BENCHMARKS.md,
        // "Stalls, not ranks"). The gaps of 1 ms or more are the target proposed in place of the
        // p99.9 above (the owner has not answered); the stalls show what checked reads cost.
        targets.add(ratioAtMost("16", "staleness under overload, restated: shm4j-spin gaps ≥ 1 ms per phase ÷ raw's",
                state -> overload.map(s -> report.longGapRatio(s, state)).orElse(null), 1.2, false));
        targets.add(ratioAtMost("16", "staleness under overload, restated: shm4j-spin stalls (gaps ≥ 10 µs) per phase ÷ raw's",
                state -> overload.map(s -> report.stallRatio(s, state)).orElse(null), 1.2, false));
        targets.add(ratioTarget("5", "UDS p50 ÷ shm4j (spin) p50, 1 KiB", versus(hot("uds", KIB), Report.SHM4J_PEER, P50),
                10, "≥ ", median -> median >= 10));
        targets.add(atMostNanos("3", "follower get() with no new version (JMH, 1 KiB)",
                Optional.ofNullable(report.jmhScore("SharedObject.getUnchanged", KIB)), 10));
        targets.add(atMost("3", "JSON get() of a new 1 KiB version ÷ Jackson parse of the same bytes, both after a publish (JMH)",
                Optional.ofNullable(ratio(report.jsonGet(KIB), report.jsonParse(KIB))), 1.1));
        targets.add(atMostNanos("3", "publish of 1 KiB raw (JMH)", Optional.ofNullable(report.jmhScore("SharedObject.publishRaw", KIB)), 500));
        Optional<Summary> blockWakeup = report.summaries().stream()
                .filter(s -> s.peer().equals(Peers.SHM4J_BLOCK) && s.pauseMicros() > 0 && s.followers() == 1).findFirst();
        targets.add(ratioAtMost("4", "BLOCK wake-up of an idle follower p50 ÷ blocking UDS read",
                versus(blockWakeup, Report.WAKEUP_REFERENCE_PEER, P50), 1.2, false));
        targets.add(atMostPercent("4", "idle BLOCK follower CPU, % of one core",
                blockWakeup.map(Summary::followerIdleCpuPercent), 0.5));
        return targets;
    }

    /**
     * shm4j-spin's lower level over the runs ({@link Report#lowerLevelP50}) minus
     * {@code reference}'s, per machine state, at most {@code margin} ns; judged in each state
     * where both lower levels held two runs or more.
     */
    private Target levelAbove(String name, Function<State, Report.LowerLevel> reference, int size, long margin) {
        String bound = "≤ " + signedNanos(margin);
        List<String> measured = new ArrayList<>();
        List<String> margins = new ArrayList<>();
        List<String> once = new ArrayList<>();
        Boolean met = null;
        for (State state : List.of(State.FAST, State.SLOW)) {
            Report.LowerLevel mine = report.lowerLevelP50(Report.SHM4J_PEER, size, state);
            Report.LowerLevel theirs = reference.apply(state);
            if (mine == null || theirs == null) {
                continue;
            }
            long above = mine.nanos() - theirs.nanos();
            measured.add(String.format(Locale.ROOT, "%s %s − %s = %s (%d of %d runs, %d of %d)", stateName(state),
                    Units.nanos((double) mine.nanos()), Units.nanos((double) theirs.nanos()), signedNanos(above),
                    mine.onLevel(), mine.runs(), theirs.onLevel(), theirs.runs()));
            if (mine.onLevel() >= 2 && theirs.onLevel() >= 2) {
                boolean ok = above <= margin;
                met = (met == null || met) && ok;
                margins.add(stateName(state) + " " + Units.nanos((double) Math.abs(margin - above)) + (ok ? " to spare" : " over"));
            } else {
                once.add(stateName(state));
            }
        }
        if (!once.isEmpty()) {
            margins.add(String.join(", ", once) + ": a lower level seen once, not judged");
        }
        return new Target("16", name, measured.isEmpty() ? "–" : String.join("; ", measured), bound, met, String.join(", ", margins));
    }

    private static String signedNanos(long nanos) {
        return (nanos > 0 ? "+" : nanos < 0 ? "−" : "") + Units.nanos((double) Math.abs(nanos));
    }

    private Optional<Summary> hot(String peer, int size) {
        return report.find(peer, size, 1, 0);
    }

    /** Per machine state (null: any), {@code s}'s figure ÷ {@code reference}'s, within each run. */
    private Function<State, Report.Ratio> versus(Optional<Summary> s, String reference, ToDoubleFunction<CaseResult> figure) {
        return state -> s.map(summary -> report.ratio(summary, List.of(reference), figure, state)).orElse(null);
    }

    private Target noPeerBeatsTheLimit() {
        List<String> beaten = report.limitBeatenBy();
        return new Target("16", "no peer's p50 below the limit's (the limit is one)",
                beaten == null ? "–" : beaten.isEmpty() ? "none" : String.join(", ", beaten), "none",
                beaten == null ? null : (Boolean) beaten.isEmpty(), beaten == null || beaten.isEmpty() ? "" : beaten.size() + " cases");
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b <= 0 ? null : a / b;
    }

    /** A per-run ratio against {@code limit}; {@code strictly}: it must be below the limit, not equal. */
    private static Target ratioAtMost(String issue, String name, Function<State, Report.Ratio> ratio, double limit, boolean strictly) {
        return ratioTarget(issue, name, ratio, limit, strictly ? "< " : "≤ ", strictly ? median -> median < limit : median -> median <= limit);
    }

    /**
     * A per-run ratio (the median over runs) judged in each of the machine's states apart: this
     * VM's cross-core transfers are 3-4x slower in one than in the other, and a peer that wins in
     * one may lose in the other, which one median over both would hide. Met only if {@code met}
     * in every state measured; runs that were not probed are judged together. Where the runs'
     * own ratios fall on both sides of the limit the status says how many met: the median then
     * decides by where this VM's levels fell (two full runs of one build flipped six such rows,
     * docs/BENCHMARKS.md "The latest full run").
     */
    private static Target ratioTarget(String issue, String name, Function<State, Report.Ratio> ratio, double limit, String relation,
                                      DoublePredicate met) {
        Map<State, Report.Ratio> byState = new EnumMap<>(State.class);
        for (State state : List.of(State.FAST, State.SLOW)) {
            Report.Ratio r = ratio.apply(state);
            if (r != null) {
                byState.put(state, r);
            }
        }
        String bound = relation + Units.ratio(limit);
        if (byState.isEmpty()) {
            Report.Ratio unprobed = ratio.apply(null);
            return unprobed == null ? new Target(issue, name, "–", bound, (Boolean) null, "")
                    : new Target(issue, name, withRuns(unprobed), bound,
                            status(met.test(unprobed.median()), List.of(unprobed), met), by(unprobed.median(), limit));
        }
        return new Target(issue, name,
                byState.entrySet().stream().map(e -> stateName(e.getKey()) + " " + withRuns(e.getValue())).collect(Collectors.joining("; ")),
                bound, status(byState.values().stream().allMatch(r -> met.test(r.median())), byState.values(), met),
                byState.entrySet().stream().map(e -> stateName(e.getKey()) + String.format(Locale.ROOT, " %.2fx", e.getValue().median() / limit))
                        .collect(Collectors.joining(", ")) + " the limit");
    }

    /** "met" or "missed", and how many runs met where some did and some did not. */
    private static String status(boolean met, Collection<Report.Ratio> ratios, DoublePredicate runMet) {
        long runs = ratios.stream().mapToLong(r -> r.perRun().size()).sum();
        long runsMet = ratios.stream().flatMap(r -> r.perRun().stream()).filter(runMet::test).count();
        String status = met ? "met" : "missed";
        return runsMet == 0 || runsMet == runs ? status : status + " (" + runsMet + " of " + runs + " runs met)";
    }

    private static String stateName(State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    /** The median, and every run's ratio when there are several. */
    private static String withRuns(Report.Ratio r) {
        return Units.ratio(r.median()) + (r.runs() > 1 ? " (runs " + Report.Ratio.spread(r) + ")" : "");
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
