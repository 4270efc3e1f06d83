package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One tiny case (64 B, one follower, fractions of a second) of every peer that needs no server,
 * each in real master and follower JVMs, and a staleness case (one CPU hog) of shm4j and raw;
 * then the report files from those results. Checks that every peer delivers, measures and cleans
 * up, not how fast it is.
 */
class HarnessSmokeTest {
    private static List<CaseResult> results;
    private static BenchPlan plan;
    private static Set<String> leftovers;

    @BeforeAll
    static void runEveryServerlessPeer() throws Exception {
        List<Peer> peers = Peers.all().stream().filter(p -> !p.needsServer()).toList();
        plan = new BenchPlan(peers, List.of(64), List.of(1), 64, Set.of(), Set.of(), 0, Duration.ZERO,
                Set.of(Report.SHM4J_PEER, Report.LIMIT_PEER), 1, Runtime.getRuntime().availableProcessors(), 1,
                CaseSettings.smoke(), List.of(), false);
        Set<String> before = caseDirectories();
        results = BenchSuite.run(plan, new ProgressBar(System.err, false));
        leftovers = new HashSet<>(caseDirectories());
        leftovers.removeAll(before);
    }

    private static Set<String> caseDirectories() throws Exception {
        try (var entries = Files.list(CaseRunner.scratchRoot())) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(CaseRunner.CASE_DIRECTORY_PREFIX))
                    .collect(Collectors.toSet());
        }
    }

    private static List<CaseResult> hot() {
        return results.stream().filter(r -> r.hogs() == null).toList();
    }

    @Test
    void everyServerlessPeerDeliversAndIsMeasured() {
        assertThat(hot()).extracting(CaseResult::peer)
                .containsExactlyElementsOf(plan.peers().stream().map(Peer::name).toList());
        for (CaseResult result : hot()) {
            assertThat(result.status()).as(result.peer() + ": " + result.note()).isEqualTo(CaseResult.Status.OK);
            CaseResult.Latency latency = result.latency();
            assertThat(latency.samples()).as(result.peer()).isPositive();
            assertThat(latency.p50()).as(result.peer()).isPositive().isLessThanOrEqualTo(latency.p99());
            assertThat(latency.p99()).as(result.peer()).isLessThanOrEqualTo(latency.max());
            assertThat(result.throughput().publishedPerSecond()).as(result.peer()).isPositive();
            // A lapped Agrona receiver drops what it is lapped on: on a busy machine it may see none
            // of the 100 ms throughput burst (its latency samples above still prove it observed).
            if (!Peers.require(result.peer()).mayDropNewest()) {
                assertThat(result.throughput().observedPerSecond()).as(result.peer()).isPositive();
            }
            assertThat(result.memory().masterRssKiB()).as(result.peer()).isPositive();
            assertThat(result.memory().followerRssKiB()).as(result.peer()).isPositive();
            CaseResult.Tail tail = result.tail();
            assertThat(tail.samples()).as(result.peer()).isPositive();
            assertThat(tail.duringMasterSafepoint()).as(result.peer()).isBetween(0, tail.samples());
            assertThat(tail.slowestSampleNanos()).as(result.peer()).isPositive().isLessThanOrEqualTo(latency.max());
            // Linux counts the machine's interrupts (-1 elsewhere); a latency phase always has timer ticks
            assertThat(tail.master().interrupts()).as(result.peer()).isPositive();
            // the machine's state was probed around the case
            assertThat(result.coherence().before()).as(result.peer()).isPositive().isFinite();
            assertThat(result.coherence().after()).as(result.peer()).isPositive().isFinite();
        }
    }

    @Test
    void stalenessCasesRunWithTheirHogs() {
        assertThat(results).filteredOn(r -> r.hogs() != null)
                .extracting(CaseResult::peer, CaseResult::hogs, CaseResult::status)
                .containsExactly(Tuple.tuple(Report.SHM4J_PEER, 1, CaseResult.Status.OK),
                        Tuple.tuple(Report.LIMIT_PEER, 1, CaseResult.Status.OK));
        assertThat(results).filteredOn(r -> r.hogs() != null).allSatisfy(r -> {
            CaseResult.Placement placement = r.staleness().placement();
            assertThat(placement.samples()).isPositive();
            assertThat(placement.sameCpuPercent()).isBetween(0.0, 100.0);
            // a stall is a gap, and the phase has timer ticks
            assertThat(r.staleness().stalls()).isBetween(0L, r.staleness().versions());
            assertThat(r.staleness().interrupts()).isPositive();
        });
    }

    @Test
    void caseDirectoriesAreRemoved() {
        assertThat(leftovers).isEmpty();
    }

    @Test
    void reportWritesTableJsonMarkdownAndChart(@TempDir Path out) throws Exception {
        Report report = new Report("shm4j bench --smoke", plan, results);
        List<Path> written = report.write(out);
        assertThat(written).extracting(p -> p.getFileName().toString())
                .containsExactly("results.json", "results.md", "latency.png");

        JsonNode json = JsonMapper.builder().build().readTree(Files.readString(out.resolve("results.json")));
        assertThat(json.get("results")).hasSize(results.size());
        assertThat(json.get("summaries").get(0).get("p50").asDouble()).isPositive();
        assertThat(json.get("machine").get("cpus").asInt()).isPositive();
        assertThat(json.get("results").get(0).get("coherence").get("before").asDouble()).isPositive();

        String markdown = Files.readString(out.resolve("results.md"));
        for (CaseResult result : hot()) {
            assertThat(markdown).contains("| " + result.peer() + " | 64 B | 1 |");
        }
        assertThat(report.text().lines().takeWhile(line -> !line.isEmpty()).count()).isEqualTo(hot().size() + 1);
        assertThat(report.text()).contains("Staleness under overload").contains("Where the tail comes from");
        assertThat(report.text()).contains("Targets (issues 3, 4, 16):");

        BufferedImage chart = ImageIO.read(out.resolve("latency.png").toFile());
        assertThat(chart.getWidth()).isGreaterThan(800);
        assertThat(chart.getHeight()).isGreaterThan(400);
    }

    @Test
    void anUnavailablePeerIsSkippedWithItsReason() throws Exception {
        Peer missing = new Peer() {
            @Override
            public String name() {
                return "missing";
            }

            @Override
            public String description() {
                return "a peer this machine lacks";
            }

            @Override
            public String unavailableReason() {
                return "not installed here";
            }

            @Override
            public Publisher publisher(PeerContext context) {
                throw new AssertionError("an unavailable peer must not be started");
            }

            @Override
            public Subscriber subscriber(PeerContext context, int index) {
                throw new AssertionError("an unavailable peer must not be started");
            }
        };
        BenchPlan onlyMissing = BenchPlan.simple(List.of(missing), List.of(64, 1024), 1, CaseSettings.smoke());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        List<CaseResult> skipped = BenchSuite.run(onlyMissing, new ProgressBar(new PrintStream(progress, true, StandardCharsets.UTF_8), false));
        assertThat(skipped).hasSize(2).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(CaseResult.Status.SKIPPED);
            assertThat(r.note()).isEqualTo("not installed here");
        });
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("SKIPPED missing 64 B x1: not installed here");
    }
}
