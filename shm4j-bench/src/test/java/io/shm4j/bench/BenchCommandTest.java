package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The plan {@code shm4j bench} makes of its options, and its refusal of every bad value before
 * anything runs. Only parsing: no case is run.
 */
class BenchCommandTest {
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private static BenchPlan plan(String... args) {
        CommandLine commandLine = BenchCommand.commandLine();
        commandLine.parseArgs(args);
        return commandLine.<BenchCommand>getCommand().plan();
    }

    private static void refused(String expectedMessage, String... args) {
        assertThatThrownBy(() -> plan(args)).as(String.join(" ", args))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessage(expectedMessage);
    }

    /** Each of {@code values} given to {@code option} is refused with {@code "option: " + refusal + value}. */
    private static void refusedEach(String option, String refusal, String... values) {
        for (String value : values) {
            refused(option + ": " + refusal + value, option, value);
        }
    }

    @Test
    void withoutOptionsThePlanIsTheDocumentedDefault() {
        BenchPlan plan = plan();
        assertThat(plan.peers()).isEqualTo(Peers.all());
        assertThat(plan.payloadSizes()).containsExactly(64, 1024, 65536, 1048576);
        assertThat(plan.followerCounts()).containsExactly(1, 2, 4, 8, 16);
        assertThat(plan.scaledSize()).isEqualTo(1024);
        assertThat(plan.scaledPeers()).isEqualTo(BenchPlan.SCALED_PEERS);
        assertThat(plan.wakeupPeers()).isEqualTo(BenchPlan.WAKEUP_PEERS);
        assertThat(plan.wakeupPauseMicros()).isEqualTo(2_000);
        assertThat(plan.overloadPeers()).isEqualTo(BenchPlan.OVERLOAD_PEERS);
        assertThat(plan.hogs()).isEqualTo(CORES);
        assertThat(plan.runs()).isEqualTo(5);
    }

    @Test
    void valuesAtTheEndsOfTheirRangesAreTaken() {
        BenchPlan plan = plan("--only", "shm4j-spin", "raw", "pairs", "--sizes", "24,67108864", "--followers", "1,64",
                "--scale-size", "24", "--scale", "shm4j-spin,raw", "--wakeup", "uds", "--wakeup-pause-us", "1",
                "--overload", "raw", "--hogs", "0", "--runs", "1000");
        assertThat(plan.peers()).extracting(Peer::name).containsExactly("shm4j-spin", "raw");
        assertThat(plan.payloadSizes()).containsExactly(24, 64 << 20);
        assertThat(plan.followerCounts()).containsExactly(1, 64);
        assertThat(plan.scaledSize()).isEqualTo(24);
        assertThat(plan.scaledPeers()).containsExactlyInAnyOrder("shm4j-spin", "raw");
        assertThat(plan.wakeupPeers()).containsExactly("uds");
        assertThat(plan.wakeupPauseMicros()).isEqualTo(1);
        assertThat(plan.overloadPeers()).containsExactly("raw");
        assertThat(plan.hogs()).isZero();
        assertThat(plan.runs()).isEqualTo(1000);
        assertThat(plan("--wakeup-pause-us", "1000000", "--hogs", "" + 16 * CORES).hogs()).isEqualTo(16 * CORES);
    }

    @Test
    void noneLeavesOutTheFollowerSweepTheWakeupsAndTheStaleness() {
        BenchPlan plan = plan("--only", "raw", "--followers", "1", "--scale", "none", "--wakeup", "none", "--overload", "none");
        assertThat(plan.scaledPeers()).isEmpty();
        assertThat(plan.wakeupPeers()).isEmpty();
        assertThat(plan.overloadPeers()).isEmpty();
        assertThat(plan.cases(1)).extracting(c -> c.payloadBytes()).containsExactly(64, 1024, 65536, 1048576);
    }

    @Test
    void payloadSizesOutsideTheHeaderToShm4jsLargestObjectAreRefused() {
        String range = "a payload size in bytes must be from 24 to 67108864 (its 24-byte header to shm4j's largest object, 64 MiB), not ";
        refusedEach("--sizes", range, "0", "-1", "23", "67108865");
        refused("--sizes: " + range + "0", "--sizes", "64,0");
        refused("--sizes: 1024 is given twice (its cases would be taken for runs of one case)", "--sizes", "1024,64,1024");
        refusedEach("--scale-size", range, "0", "67108865");
        refused("--sizes: " + range + "8", "--smoke", "--sizes", "8");
    }

    @Test
    void followerCountsOutsideTheAckBoardAreRefused() {
        String range = "a follower count must be from 1 to 64 (the follower slots of the harness's ack board), not ";
        refusedEach("--followers", range, "0", "65");
        refused("--followers: " + range + "-4", "--followers", "1,-4");
        refused("--followers: 4 is given twice (its cases would be taken for runs of one case)", "--followers", "4,4");
    }

    @Test
    void unknownNamesAreRefusedWithTheKnownOnes() {
        String peers = String.join(", ", Peers.all().stream().map(Peer::name).toList());
        refused("--only: unknown name 'nope'; known: " + peers + ", pairs, jmh", "--only", "raw", "nope");
        refused("--scale: unknown name 'pairs'; known: " + peers + ", none", "--scale", "pairs");
        refused("--wakeup: unknown name 'uds '; known: " + peers + ", none", "--wakeup", "uds ");
        refused("--overload: unknown name ''; known: " + peers + ", none", "--overload", "raw,,uds");
        refused("--scale: none names no peer: give it alone, not with raw", "--scale", "none,raw");
    }

    @Test
    void countsAndPausesOutOfRangeAreRefused() {
        refusedEach("--runs", "a run count must be from 1 to 1000 (about three weeks of full runs), not ", "0", "1001");
        refusedEach("--hogs", "a hog count must be from 0 to " + 16 * CORES
                + " (16 per core: beyond, the case's processes get too little of a core to measure), not ", "-1", "" + (16 * CORES + 1));
        refusedEach("--wakeup-pause-us", "a pause in microseconds must be from 1 to 1000000 (0 is a hot case;"
                + " a second leaves the follower long idle), not ", "0", "-5", "1000001");
        refusedEach("--latency-ms", "the latency phase in milliseconds must be from 1 to 600000 (10 minutes), not ", "0", "600001");
    }

    @Test
    void aBadValueExitsWithTwoAndOneLineBeforeAnythingRuns(@TempDir Path dir) {
        CommandLine commandLine = BenchCommand.commandLine();
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        commandLine.setErr(new PrintWriter(err));
        commandLine.setOut(new PrintWriter(out));
        // --from names no file: were the value taken, the run would end there (exit 1), measuring nothing
        int exit = commandLine.execute("--from", dir.resolve("missing.json").toString(), "--out", dir.toString(),
                "--followers", "0");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("shm4j bench: --followers: a follower count must be from 1 to 64 (the follower"
                + " slots of the harness's ack board), not 0 (see 'shm4j bench --help')" + System.lineSeparator());
        assertThat(out.toString()).isEmpty();
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void pinLooksForTasksetOnThePath() {
        // --pin is refused before any case where this finds nothing
        assertThat(ForkedJvm.onPath("sh")).isPresent();
        assertThat(ForkedJvm.onPath("no-such-program-shm4j")).isEmpty();
    }

    @Test
    void theDefaultSetsAreKnownPeers() {
        for (Set<String> names : List.of(BenchPlan.SCALED_PEERS, BenchPlan.WAKEUP_PEERS, BenchPlan.OVERLOAD_PEERS)) {
            assertThat(names).allSatisfy(name -> assertThat(Peers.named(name)).isPresent());
        }
    }
}
