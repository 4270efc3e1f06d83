package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Medians, ratios and formatting of the report, on results made up here. */
class ReportTest {

    private static CaseResult ok(String peer, int size, int run, long p50) {
        return result(peer, size, 1, 0, run, p50);
    }

    private static CaseResult result(String peer, int size, int followers, long pauseMicros, int run, long p50) {
        return new CaseResult(peer, size, followers, pauseMicros, null, run, CaseResult.Status.OK, "",
                new CaseResult.Latency(1000, p50, p50 * 2, p50 * 3, p50 * 4, p50 * 10, p50 * 1.1),
                new CaseResult.Throughput(1_000_000, 500_000), new CaseResult.Memory(80_000, 100, 60_000, 64, 0.25), null, null, null);
    }

    /** A staleness case: {@code gapP999} is the p99.9 of the time between new versions. */
    private static CaseResult overload(String peer, int run, long gapP999) {
        return overload(peer, run, gapP999, 40.0);
    }

    /** As above, the follower on its master's CPU for {@code sameCpuPercent} of the phase. */
    private static CaseResult overload(String peer, int run, long gapP999, double sameCpuPercent) {
        return overload(peer, run, gapP999, sameCpuPercent, 1500L);
    }

    /** As above, with {@code stalls} gaps of 10 µs or more (null: not recorded, as in older results). */
    private static CaseResult overload(String peer, int run, long gapP999, double sameCpuPercent, Long stalls) {
        CaseResult hot = ok(peer, 1024, run, 500);
        return new CaseResult(peer, 1024, 1, 0, 2, run, CaseResult.Status.OK, "", hot.latency(), hot.throughput(), hot.memory(),
                new CaseResult.Staleness(5000, gapP999 / 10, gapP999 / 2, gapP999, gapP999 * 3, 2L, 12.5, stalls,
                        stalls == null ? null : 4000L, 0, 2, 3, 9, new CaseResult.Placement(300, sameCpuPercent, 3)), null, null);
    }

    private static BenchPlan plan(int runs) {
        return BenchPlan.simple(List.of(), List.of(64), runs, CaseSettings.smoke());
    }

    private static BenchPlan.Case c(String peer) {
        return new BenchPlan.Case(Peers.require(peer), 64, 1, 1, CaseSettings.smoke(), List.of(), false);
    }

    @Test
    void summariesTakeTheMedianOfSuccessfulRunsAndKeepTheSpread() {
        List<CaseResult> results = List.of(ok("raw", 64, 1, 200), ok("raw", 64, 2, 180), ok("raw", 64, 3, 900),
                CaseResult.failed(c("raw"), "boom"));
        Summary s = Summary.of(results).getFirst();
        assertThat(s.runsOk()).isEqualTo(3);
        assertThat(s.runs()).isEqualTo(4);
        assertThat(s.p50()).isEqualTo(200.0);
        assertThat(s.p50Low()).isEqualTo(180.0);
        assertThat(s.p50High()).isEqualTo(900.0);
        assertThat(s.note()).isEqualTo("1 of 4 runs failed: boom");
        assertThat(s.observedBytesPerSecond()).isEqualTo(500_000.0 * 64);
    }

    @Test
    void theMedianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        Summary s = Summary.of(List.of(ok("uds", 64, 1, 100), ok("uds", 64, 2, 300))).getFirst();
        assertThat(s.p50()).isEqualTo(200.0);
    }

    @Test
    void aCaseWithNoSuccessfulRunKeepsItsReason() {
        Summary s = Summary.of(List.of(CaseResult.skipped(c("redis"), "redis-server is not installed"))).getFirst();
        assertThat(s.status()).isEqualTo(CaseResult.Status.SKIPPED);
        assertThat(s.note()).isEqualTo("redis-server is not installed");
        assertThat(s.p50()).isNull();
    }

    @Test
    void ratiosCompareP50AtTheSameSize() {
        Report report = new Report("shm4j bench", plan(1), List.of(ok("raw", 64, 1, 200), ok("shm4j-spin", 64, 1, 250),
                ok("uds", 64, 1, 3500), ok("uds", 1024, 1, 4000)));
        Summary uds64 = report.find("uds", 64, 1, 0).orElseThrow();
        assertThat(report.toLimit(uds64, CaseResult.Latency::p50).median()).isEqualTo(17.5);
        assertThat(report.ratio(uds64, Report.SHM4J_PEER).median()).isEqualTo(14.0);
        assertThat(report.toLimit(report.find("uds", 1024, 1, 0).orElseThrow(), CaseResult.Latency::p50)).isNull();
        assertThat(report.ratio(report.find("raw", 64, 1, 0).orElseThrow(), Report.LIMIT_PEER)).isNull();
        assertThat(report.text()).contains(" 18x ").contains(" 14x ");
        assertThat(report.markdown()).contains("| uds | 64 B | 1 | 3.50 µs |");
    }

    @Test
    void ratiosAreTakenWithinEachRunThenTheirMedian() {
        // per run 1.5, 1.1, 2.0: median 1.5; the ratio of the medians (330 ÷ 200) would be 1.65
        Report report = new Report("shm4j bench", plan(3), List.of(
                ok("raw", 64, 1, 100), ok("shm4j-spin", 64, 1, 150),
                ok("raw", 64, 2, 300), ok("shm4j-spin", 64, 2, 330),
                ok("raw", 64, 3, 200), ok("shm4j-spin", 64, 3, 400)));
        Report.Ratio r = report.toLimit(report.find("shm4j-spin", 64, 1, 0).orElseThrow(), CaseResult.Latency::p50);
        assertThat(r.median()).isEqualTo(1.5);
        assertThat(r.low()).isEqualTo(1.1);
        assertThat(r.high()).isEqualTo(2.0);
        assertThat(r.runs()).isEqualTo(3);
        assertThat(report.text()).contains("1.50x, 1.10x, 2.00x");
    }

    /** {@code result} as if probed: {@code before} and {@code after} are the shared-copy ratios around it. */
    private static CaseResult probed(CaseResult result, double before, double after) {
        return result.withCoherence(new CaseResult.Coherence(before, after));
    }

    @Test
    void ratiosPairOnlyCasesMeasuredInTheSameStateOfTheMachine() {
        double fast = 3.0;
        double slow = 11.0;
        Report report = new Report("shm4j bench", plan(4), List.of(
                probed(ok("raw", 64, 1, 100), fast, fast), probed(ok("shm4j-spin", 64, 1, 150), fast, fast),
                // run 2: raw fast, shm4j slow: no ratio
                probed(ok("raw", 64, 2, 100), fast, fast), probed(ok("shm4j-spin", 64, 2, 400), slow, slow),
                // run 3: both slow
                probed(ok("raw", 64, 3, 300), slow, slow), probed(ok("shm4j-spin", 64, 3, 360), slow, slow),
                // run 4: the state changed during shm4j's case: no ratio
                probed(ok("raw", 64, 4, 300), slow, slow), probed(ok("shm4j-spin", 64, 4, 360), slow, fast)));
        Report.Ratio r = report.toLimit(report.find("shm4j-spin", 64, 1, 0).orElseThrow(), CaseResult.Latency::p50);
        assertThat(r.perRun()).containsExactly(1.5, 1.2);
        assertThat(report.text()).contains("f,s,s,c").contains(": 3 fast, 4 slow, 1 changed during the case");
        assertThat(report.markdown()).contains("| f,f,s,s |");
    }

    @Test
    void targetsAreJudgedInEachStateOfTheMachineApart() {
        double fast = 3.0;
        double slow = 11.0;
        Report report = new Report("shm4j bench", plan(4), List.of(
                // runs 1 and 2 slow: shm4j below Agrona
                probed(ok("agrona", 64, 1, 460), slow, slow), probed(ok("shm4j-spin", 64, 1, 400), slow, slow),
                probed(ok("agrona", 64, 2, 500), slow, slow), probed(ok("shm4j-spin", 64, 2, 400), slow, slow),
                // run 3 fast: shm4j above it, which a median over all three runs (0.87x) would hide
                probed(ok("agrona", 64, 3, 150), fast, fast), probed(ok("shm4j-spin", 64, 3, 190), fast, fast),
                // run 4: changed during the case, judged in neither
                probed(ok("agrona", 64, 4, 150), fast, slow), probed(ok("shm4j-spin", 64, 4, 100), fast, slow)));
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().equals("shm4j-spin p50 ÷ Agrona's, 64 B"))
                .singleElement().satisfies(t -> assertThat(t)
                        .extracting(Targets.Target::measured, Targets.Target::status, Targets.Target::margin)
                        .containsExactly("fast 1.27x; slow 0.83x (runs 0.87x, 0.80x)", "missed (2 of 3 runs met)", "fast 1.27x, slow 0.83x the limit"));
        Report slowOnly = new Report("shm4j bench", plan(1), List.of(
                probed(ok("agrona", 64, 1, 460), slow, slow), probed(ok("shm4j-spin", 64, 1, 400), slow, slow)));
        assertThat(new Targets(slowOnly).evaluate()).filteredOn(t -> t.name().equals("shm4j-spin p50 ÷ Agrona's, 64 B"))
                .singleElement().satisfies(t -> assertThat(t).extracting(Targets.Target::measured, Targets.Target::status)
                        .containsExactly("slow 0.87x", "met"));
    }

    @Test
    void smallSizesAreComparedOnEachPeersLowerLevelOverTheRunsOfOneState() {
        // Each peer on its lower level in some runs only, never in the same run as another:
        // per-run ratios pair levels at random; the lower levels compare like with like.
        long[] spin = {250, 480, 230, 470, 240};
        long[] agrona = {500, 140, 520, 160, 150};
        long[] raw = {400, 410, 100, 390, 120};
        long[] rawLines = {450, 450, 450, 450, 70}; // run 5: the limit's rare fast case, within 1.5x of 100
        List<CaseResult> results = smallSizeRuns(spin, agrona, raw, rawLines);
        // a run in another state, or a case that changed state, does not lower a level
        results.add(probed(ok("agrona", 64, 6, 50), 3.0, 3.0));
        results.add(probed(ok("raw", 64, 6, 40), 11.0, 3.0));
        Report report = new Report("shm4j bench", plan(6), results);
        assertThat(report.lowerLevelP50("shm4j-spin", 64, CoherenceProbe.State.SLOW)).isEqualTo(new Report.LowerLevel(240, 3, 5));
        assertThat(report.lowerLevelP50("agrona", 64, CoherenceProbe.State.SLOW)).isEqualTo(new Report.LowerLevel(150, 3, 5));
        // per run the fastest variant: 400, 410, 100, 390, 70; the lower level (70, 100) has median 85
        assertThat(report.lowerLevelLimitP50(64, CoherenceProbe.State.SLOW)).isEqualTo(new Report.LowerLevel(85, 2, 5));
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().startsWith("small sizes, restated"))
                .extracting(Targets.Target::name, Targets.Target::measured, Targets.Target::limit, Targets.Target::status,
                        Targets.Target::margin)
                .containsExactly(
                        Tuple.tuple("small sizes, restated: shm4j-spin's lower level of p50s over the runs − Agrona's, 64 B",
                                "slow 240 ns − 150 ns = +90 ns (3 of 5 runs, 3 of 5)", "≤ +120 ns", "met", "slow 30 ns to spare"),
                        Tuple.tuple("small sizes, restated: shm4j-spin's lower level of p50s over the runs − the limit's, 64 B",
                                "slow 240 ns − 85 ns = +155 ns (3 of 5 runs, 2 of 5)", "≤ +120 ns", "missed", "slow 35 ns over"));

        // Agrona on its lower level in one run only: that level is not known to be its own
        Report once = new Report("shm4j bench", plan(5), smallSizeRuns(spin, new long[] {500, 140, 520, 560, 530}, raw, rawLines));
        assertThat(once.lowerLevelP50("agrona", 64, CoherenceProbe.State.SLOW)).isEqualTo(new Report.LowerLevel(140, 1, 5));
        assertThat(new Targets(once).evaluate()).filteredOn(t -> t.name().startsWith("small sizes, restated"))
                .extracting(Targets.Target::measured, Targets.Target::status, Targets.Target::margin)
                .containsExactly(Tuple.tuple("slow 240 ns − 140 ns = +100 ns (3 of 5 runs, 1 of 5)", "not measured",
                                "slow: a lower level seen once, not judged"),
                        Tuple.tuple("slow 240 ns − 85 ns = +155 ns (3 of 5 runs, 2 of 5)", "missed", "slow 35 ns over"));
    }

    /** 64 B cases of shm4j-spin, Agrona, raw and raw-lines, run after run, all in the slow state. */
    private static List<CaseResult> smallSizeRuns(long[] spin, long[] agrona, long[] raw, long[] rawLines) {
        double slow = 11.0;
        List<CaseResult> results = new ArrayList<>();
        for (int run = 1; run <= spin.length; run++) {
            results.add(probed(ok("shm4j-spin", 64, run, spin[run - 1]), slow, slow));
            results.add(probed(ok("agrona", 64, run, agrona[run - 1]), slow, slow));
            results.add(probed(ok("raw", 64, run, raw[run - 1]), slow, slow));
            results.add(probed(ok("raw-lines", 64, run, rawLines[run - 1]), slow, slow));
        }
        return results;
    }

    @Test
    void noLimitInARunWhoseFastestVariantRanInAnotherState() {
        double fast = 3.0;
        double slow = 11.0;
        Report report = new Report("shm4j bench", plan(2), List.of(
                // run 1: raw-ahead, the fastest variant, changed state during its case: the limit is unknown
                probed(ok("raw", 64, 1, 900), slow, slow), probed(ok("raw-ahead", 64, 1, 300), slow, fast),
                probed(ok("shm4j-spin", 64, 1, 500), slow, slow),
                // run 2: all slow
                probed(ok("raw", 64, 2, 900), slow, slow), probed(ok("raw-ahead", 64, 2, 300), slow, slow),
                probed(ok("shm4j-spin", 64, 2, 450), slow, slow)));
        assertThat(report.toLimit(report.find("shm4j-spin", 64, 1, 0).orElseThrow(), CaseResult.Latency::p50).perRun())
                .containsExactly(1.5);
        assertThat(report.limitBeatenBy()).isEmpty();
    }

    @Test
    void theStateIsSlowAboveTheThresholdOnBothSidesOfACase() {
        assertThat(CoherenceProbe.State.of(CoherenceProbe.SLOW_ABOVE)).isEqualTo(CoherenceProbe.State.FAST);
        assertThat(CoherenceProbe.State.of(CoherenceProbe.SLOW_ABOVE + 0.1)).isEqualTo(CoherenceProbe.State.SLOW);
        assertThat(new CaseResult.Coherence(11, 12).state()).isEqualTo(CoherenceProbe.State.SLOW);
        assertThat(new CaseResult.Coherence(3, 12).state()).isEqualTo(CoherenceProbe.State.CHANGED);
    }

    @Test
    void theLimitIsTheFastestRawVariantOfEachRunAndAFasterPeerIsNamed() {
        Report report = new Report("shm4j bench", plan(2), List.of(
                ok("raw", 64, 1, 200), ok("raw-ring", 64, 1, 150), ok("shm4j-spin", 64, 1, 300), ok("agrona", 64, 1, 100),
                ok("raw", 64, 2, 100), ok("raw-ring", 64, 2, 200), ok("shm4j-spin", 64, 2, 300), ok("agrona", 64, 2, 90)));
        // run 1: 300 ÷ 150, run 2: 300 ÷ 100
        assertThat(report.toLimit(report.find("shm4j-spin", 64, 1, 0).orElseThrow(), CaseResult.Latency::p50).median()).isEqualTo(2.5);
        assertThat(report.limitCheck()).contains("64 B: raw 1, raw-ring 1").contains("BEATEN by agrona 64 B (0.78x)");
        // a variant against the limit: 1 in the run it was the fastest, its ratio to the fastest in the other
        assertThat(report.toLimit(report.find("raw", 64, 1, 0).orElseThrow(), CaseResult.Latency::p50).perRun())
                .containsExactly(200.0 / 150, 1.0);
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().startsWith("no peer"))
                .singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("missed"));
    }

    @Test
    void followerSweepAndWakeUpCasesHaveTheirOwnRatios() {
        Report report = new Report("shm4j bench", plan(1), List.of(
                result("shm4j-block", 1024, 1, 0, 1, 1000), result("shm4j-block", 1024, 16, 0, 1, 1500),
                result("shm4j-block", 1024, 1, 2000, 1, 60_000), result("uds", 1024, 1, 2000, 1, 50_000)));
        assertThat(report.followerRatio(report.find("shm4j-block", 1024, 16, 0).orElseThrow()).median()).isEqualTo(1.5);
        Summary blockWakeup = report.find("shm4j-block", 1024, 1, 2000).orElseThrow();
        assertThat(report.ratio(blockWakeup, Report.WAKEUP_REFERENCE_PEER).median()).isEqualTo(1.2);
        assertThat(report.followerRatio(blockWakeup)).isNull();
        assertThat(report.text()).contains("Waking an idle follower").contains("2.00 ms").contains("0.3%");
        assertThat(report.markdown()).contains("| shm4j-block | 1 KiB | 2.00 ms | 60.00 µs |");
    }

    @Test
    void stalenessCasesAreTheirOwnRowsJudgedAgainstRawUnderTheSameHogs() {
        Report report = new Report("shm4j bench", plan(2), List.of(ok("shm4j-spin", 1024, 1, 500),
                overload("raw", 1, 1000), overload("shm4j-spin", 1, 1100), overload("raw", 2, 2000), overload("shm4j-spin", 2, 3000)));
        Summary stale = report.overload("shm4j-spin").orElseThrow();
        assertThat(stale.hogs()).isEqualTo(2);
        assertThat(report.stalenessRatio(stale).median()).isEqualTo(1.3); // 1.1 and 1.5
        assertThat(report.find("shm4j-spin", 1024, 1, 0).orElseThrow().staleness()).isNull();
        assertThat(report.markdown()).contains("Staleness under overload").contains("| shm4j-spin | 1 KiB | 2 | 5000 |")
                .contains("| 2 | 13% | 1.30x |").contains("| 40%, 40% | 3 |");
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().startsWith("staleness"))
                .extracting(Targets.Target::status, Targets.Target::measured)
                .containsExactly(Tuple.tuple("missed (1 of 2 runs met)", "1.30x (runs 1.10x, 1.50x)"), // p99.9
                        Tuple.tuple("met", "1.00x (runs 1.00x, 1.00x)"), // gaps ≥ 1 ms: 2 each
                        Tuple.tuple("met", "1.00x (runs 1.00x, 1.00x)")); // stalls: 1500 each
    }

    @Test
    void aStalenessRunWhoseFollowerSatOnItsMastersCpuIsNotCompared() {
        Report report = new Report("shm4j bench", plan(3), List.of(
                overload("raw", 1, 1000), overload("shm4j-spin", 1, 1100),
                overload("raw", 2, 9_000_000, 95.0), overload("shm4j-spin", 2, 3000), // raw starved: no ratio
                overload("raw", 3, 2000), overload("shm4j-spin", 3, 8_000_000, 50.0))); // shm4j starved: no ratio
        Report.Ratio ratio = report.stalenessRatio(report.overload("shm4j-spin").orElseThrow());
        assertThat(ratio.perRun()).containsExactly(1.1);
        assertThat(report.markdown()).contains("| 40%, 40%, 50% |").contains("| 40%, 95%, 40% |");
    }

    @Test
    void stallsAreComparedToRawsWithinEachComparableRunWhateverTheMastersRate() {
        Report report = new Report("shm4j bench", plan(4), List.of(
                overload("raw", 1, 1000, 40.0, 1500L), overload("shm4j-spin", 1, 3000, 40.0, 1800L),
                overload("raw", 2, 1000, 40.0, 2000L), overload("shm4j-spin", 2, 3000, 40.0, 2000L),
                overload("raw", 3, 1000, 95.0, 100L), overload("shm4j-spin", 3, 3000, 40.0, 1900L), // raw starved: no ratio
                overload("raw", 4, 1000, 40.0, 0L), overload("shm4j-spin", 4, 3000, 40.0, 1700L))); // no stall to divide by
        Summary shm4j = report.overload("shm4j-spin").orElseThrow();
        assertThat(report.stallRatio(shm4j).perRun()).containsExactly(1.2, 1.0);
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().contains("stalls"))
                .singleElement().satisfies(t -> assertThat(t).extracting(Targets.Target::status, Targets.Target::measured)
                        .containsExactly("met", "1.10x (runs 1.20x, 1.00x)"));
        assertThat(shm4j.staleness().stalls()).isEqualTo(1850L);
        assertThat(shm4j.staleness().interrupts()).isEqualTo(4000L);
        assertThat(report.markdown()).contains("| 1850 | 1.10x | 1.20x, 1.00x | 4000 |");
    }

    @Test
    void resultsFromBeforeStallsWereCountedShowNone() {
        Report report = new Report("shm4j bench", plan(1), List.of(
                overload("raw", 1, 1000, 40.0, null), overload("shm4j-spin", 1, 1100, 40.0, null)));
        Summary shm4j = report.overload("shm4j-spin").orElseThrow();
        assertThat(shm4j.staleness().stalls()).isNull();
        assertThat(report.stallRatio(shm4j)).isNull();
        assertThat(report.markdown()).contains("| 13% | 1.10x | – | – | – | – | – |");
    }

    @Test
    void targetsSayMetMissedOrNotMeasuredAndByHowMuch() {
        List<CaseResult> results = List.of(ok("raw", 64, 1, 200), ok("raw", 1024, 1, 200), ok("agrona", 64, 1, 300),
                ok("agrona", 1024, 1, 300), ok("shm4j-spin", 64, 1, 250), ok("shm4j-spin", 1024, 1, 400), ok("uds", 1024, 1, 5000),
                result("shm4j-block", 1024, 16, 0, 1, 900), result("uds", 1024, 16, 0, 1, 1000));
        List<JmhSuite.JmhResult> jmh = List.of(new JmhSuite.JmhResult("SharedObject.getUnchanged", 1024, 4, 1),
                new JmhSuite.JmhResult("SharedObject.publishRaw", 1024, 300, 10),
                new JmhSuite.JmhResult("SharedObject.readNewer", 1024, 39, 1),
                new JmhSuite.JmhResult("SharedObject.readNewer", 65536, 2000, 1),
                new JmhSuite.JmhResult("SharedObject.publishJson", 1024, 280, 10),
                new JmhSuite.JmhResult("SharedObject.publishJsonThenGet", 1024, 5380, 100),
                new JmhSuite.JmhResult("SharedObject.publishJsonThenParse", 1024, 5280, 100),
                new JmhSuite.JmhResult("Baseline.copyAndCrc32", 1024, 30, 1),
                new JmhSuite.JmhResult("Baseline.mappedToHeapCopy", 65536, 1600, 1));
        Report report = new Report("shm4j bench", plan(1), results, jmh);
        var targets = new Targets(report).evaluate();
        assertThat(targets).filteredOn(t -> t.name().startsWith("shm4j-spin p50 ÷ Agrona"))
                .extracting(Targets.Target::status, Targets.Target::measured)
                .containsExactly(Tuple.tuple("met", "0.83x"), Tuple.tuple("missed", "1.33x"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("shm4j-spin p50 ÷ the limit"))
                .extracting(Targets.Target::status, Targets.Target::margin)
                .containsExactly(Tuple.tuple("met", "0.96x the limit"), Tuple.tuple("missed", "1.54x the limit"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("shm4j-block p50 ÷ UDS"))
                .singleElement().satisfies(t -> assertThat(t.measured()).isEqualTo("0.90x"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("readNewer() ÷ (copy"))
                .singleElement().satisfies(t -> assertThat(t).extracting(Targets.Target::measured, Targets.Target::status)
                        .containsExactly("1.30x", "met"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("readNewer() bandwidth"))
                .extracting(Targets.Target::measured, Targets.Target::status)
                .containsExactly(Tuple.tuple("0.80x", "met"), Tuple.tuple("–", "not measured"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("UDS p50"))
                .singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("met"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("follower get()"))
                .singleElement().satisfies(t -> assertThat(t.status()).isEqualTo("met"));
        // (5380 - 280) ÷ (5280 - 280): both parses after the same publish
        assertThat(targets).filteredOn(t -> t.name().startsWith("JSON get()"))
                .singleElement().satisfies(t -> assertThat(t).extracting(Targets.Target::measured, Targets.Target::status)
                        .containsExactly("1.02x", "met"));
        assertThat(targets).filteredOn(t -> t.name().startsWith("BLOCK wake-up") || t.name().startsWith("staleness"))
                .allSatisfy(t -> assertThat(t.status()).isEqualTo("not measured"));
        assertThat(report.markdown()).contains("| 3 | publish of 1 KiB raw (JMH) | 300 ns | ≤ 500 ns | met | 0.60x the limit |");
    }

    @Test
    void inProcessPairsComeBeforeJmhInTheTargets() {
        Report report = new Report("shm4j bench", plan(1), List.of(),
                List.of(new InProcessPairs.PairResult("read", 1024, "readNewer", 40, 3.5, 1.2, 1000),
                        new InProcessPairs.PairResult("read", 65536, "readNewer", 2000, 2.0, 0.95, 1000),
                        new InProcessPairs.PairResult("read", 65536, "readNewer, unverified", 1050, 1.05, 0.5, 1000)),
                List.of(new JmhSuite.JmhResult("SharedObject.readNewer", 1024, 50, 1), new JmhSuite.JmhResult("Baseline.copyAndCrc32", 1024, 25, 1)));
        assertThat(new Targets(report).evaluate()).filteredOn(t -> t.name().startsWith("readNewer()"))
                .extracting(Targets.Target::name, Targets.Target::measured, Targets.Target::status)
                .containsExactly(Tuple.tuple("readNewer() ÷ (copy + CRC-32) of the same bytes, 1 KiB (pairs)", "1.20x", "met"),
                        Tuple.tuple("readNewer() bandwidth ÷ plain mapped→heap copy's, 64 KiB (pairs)", "0.50x", "missed"),
                        Tuple.tuple("readNewer() with withVerifyChecksums(false), bandwidth ÷ plain copy's, 64 KiB (pairs)", "0.95x", "met"),
                        Tuple.tuple("readNewer() bandwidth ÷ plain mapped→heap copy's, 1 MiB (JMH)", "–", "not measured"),
                        Tuple.tuple("readNewer() with withVerifyChecksums(false), bandwidth ÷ plain copy's, 1 MiB (pairs)", "–", "not measured"));
        assertThat(report.markdown()).contains("| 1 KiB | read | readNewer | 40 ns | 3.50x | 1.20x | 0.29x | 1000 |");
    }

    @Test
    void aReportReadBackFromItsJsonIsTheSameReport(@TempDir Path dir) throws Exception {
        BenchPlan plan = BenchPlan.simple(List.of(Peers.require("raw"), Peers.require("uds")), List.of(64), 2, CaseSettings.smoke());
        Report report = new Report("shm4j bench --runs 2", plan, List.of(probed(ok("raw", 64, 1, 200), 3, 3.5),
                probed(ok("raw", 64, 2, 220), 9, 3), ok("uds", 64, 1, 3000), CaseResult.failed(c("uds"), "boom")),
                List.of(new InProcessPairs.PairResult("read", 1024, "readNewer", 40, 3.5, 1.2, 1000)),
                List.of(new JmhSuite.JmhResult("SharedObject.getUnchanged", 1024, 4, Double.NaN)));
        Path json = dir.resolve("results.json");
        Files.writeString(json, report.json());
        Report read = Report.read(json);
        assertThat(read.markdown()).isEqualTo(report.markdown());
        assertThat(read.text()).isEqualTo(report.text());
        assertThat(read.summaries()).isEqualTo(report.summaries());
    }

    @Test
    void unitsReadAsAPersonWouldWriteThem() {
        assertThat(Units.nanos(195.0)).isEqualTo("195 ns");
        assertThat(Units.nanos(3_470.0)).isEqualTo("3.47 µs");
        assertThat(Units.nanos(1_200_000.0)).isEqualTo("1.20 ms");
        assertThat(Units.nanos(null)).isEqualTo("–");
        assertThat(Units.bytes(64)).isEqualTo("64 B");
        assertThat(Units.bytes(1024)).isEqualTo("1 KiB");
        assertThat(Units.bytes(65536)).isEqualTo("64 KiB");
        assertThat(Units.bytes(1 << 20)).isEqualTo("1 MiB");
        assertThat(Units.bytes(1000)).isEqualTo("1000 B");
        assertThat(Units.rate(12_300.0)).isEqualTo("12.3 k");
        assertThat(Units.bandwidth(9.1e9)).isEqualTo("9.10 GB/s");
        assertThat(Units.ratio(1.234)).isEqualTo("1.23x");
        assertThat(Units.ratio(123.4)).isEqualTo("123x");
    }

    @Test
    void jsonDocumentsReachTheAskedSizeWithinOneRecord() {
        for (int size : BenchPlan.SIZES) {
            byte[] document = JsonDocuments.ofSize(size);
            assertThat(document.length).isGreaterThanOrEqualTo(size).isLessThan(size + 120);
        }
    }
}
