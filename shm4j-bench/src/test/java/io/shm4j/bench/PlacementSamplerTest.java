package io.shm4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sampler against busy processes whose CPUs are known, because {@code taskset} put them
 * there: each is one shell, so its busiest thread is its only one.
 */
class PlacementSamplerTest {
    private static final long WATCH_MILLIS = 300;
    private final List<Process> busy = new ArrayList<>();

    @AfterEach
    void stopThem() throws InterruptedException {
        for (Process process : busy) {
            process.destroyForcibly().waitFor();
        }
    }

    private Process busyOn(int cpu) throws Exception {
        Process process = new ProcessBuilder("taskset", "-c", Integer.toString(cpu), "sh", "-c", "while :; do :; done").start();
        busy.add(process);
        return process;
    }

    /** Waits until {@code process} runs the shell: taskset bound it before its exec. */
    private static void awaitShell(Process process) throws Exception {
        Path comm = Path.of("/proc", Long.toString(process.pid()), "comm");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.readString(comm).strip().equals("sh")) {
            assertThat(System.nanoTime()).as("taskset of pid %d never ran sh", process.pid()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static CaseResult.Placement watch(Process master, Process follower) throws Exception {
        for (Process process : List.of(master, follower)) {
            if (process.isAlive()) {
                awaitShell(process);
            }
        }
        PlacementSampler sampler = PlacementSampler.watch(master.pid(), List.of(follower.pid()));
        Thread.sleep(WATCH_MILLIS);
        return sampler.stop();
    }

    @Test
    void twoProcessesBoundToOneCpuShareItThroughout() throws Exception {
        CaseResult.Placement placement = watch(busyOn(0), busyOn(0));
        assertThat(placement.samples()).isPositive();
        assertThat(placement.sameCpuPercent()).isEqualTo(100.0);
        assertThat(placement.moves()).isZero();
    }

    @Test
    void twoProcessesBoundToTwoCpusNeverShare() throws Exception {
        assumeThat(Runtime.getRuntime().availableProcessors()).as("needs two CPUs to bind to").isGreaterThanOrEqualTo(2);
        CaseResult.Placement placement = watch(busyOn(0), busyOn(1));
        assertThat(placement.samples()).isPositive();
        assertThat(placement.sameCpuPercent()).isZero();
        assertThat(placement.moves()).isZero();
    }

    @Test
    void nothingSampledOfAProcessThatIsGoneIsNull() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertThat(watch(busyOn(0), gone)).isNull();
    }
}
