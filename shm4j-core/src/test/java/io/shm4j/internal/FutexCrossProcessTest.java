package io.shm4j.internal;

import io.shm4j.testing.FutexChild;
import io.shm4j.testing.Registered;
import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.testing.TestDirectory;
import io.shm4j.WaitStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.shm4j.internal.ObjectRegionDescriptor.COMMITTED_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.NOTIFY_OFFSET;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Futex waits across real processes: the waiting JVM maps the file READ_ONLY, the test JVM (the
 * "master") maps it READ_WRITE. Before waking, the test checks in {@code /proc} that the child's
 * thread really sleeps in a shared {@code FUTEX_WAIT}, so "woken" means woken by this wake.
 */
class FutexCrossProcessTest {
    private static final Duration START = ChildJvm.START;
    private static final List<String> SMALL_JVM = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1");

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final Path file = dir.path().resolve("futex-region");
    private final Arena arena = Arena.ofShared();
    private MemorySegment region;
    private MasterWakeups wakeups;

    @BeforeEach
    void createRegionFile() throws IOException {
        Files.write(file, new byte[4096]);
        region = FutexChild.mapReadWrite(file, arena);
        wakeups = Registered.wakeups(file, dir.options());
    }

    @AfterEach
    void unmap() {
        arena.close();
    }

    @Test
    void futexIsAvailableOnThisLinuxMachine() {
        assertThat(Futex.isAvailable()).as(Futex.unavailableReason()).isTrue();
    }

    @Test
    void readOnlyWaiterIsWokenByAnotherProcessesWake() throws Exception {
        try (ChildJvm child = ChildJvm.start(SMALL_JVM, FutexChild.class, "futex", file.toString(), "current", "30000")) {
            assertThat(child.awaitLine("WAITING", START)).isEqualTo("WAITING 0");
            ProcessProbe.awaitSharedFutexWaiters(child.pid(), 1, START);

            region.set(ValueLayout.JAVA_INT, NOTIFY_OFFSET, 1);
            assertThat(Futex.wakeAll(region, NOTIFY_OFFSET)).isEqualTo(1);

            assertThat(child.awaitLine("RESULT", START)).startsWith("RESULT WOKEN ");
            assertThat(child.waitFor(START)).isZero();
        }
    }

    @Test
    void oneWakeWakesSixteenWaitingProcesses() throws Exception {
        List<ChildJvm> children = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                children.add(ChildJvm.start(SMALL_JVM, FutexChild.class, "futex", file.toString(), "current", "60000"));
            }
            for (ChildJvm child : children) {
                child.awaitLine("WAITING", START);
                ProcessProbe.awaitSharedFutexWaiters(child.pid(), 1, START);
            }

            region.set(ValueLayout.JAVA_INT, NOTIFY_OFFSET, 1);
            assertThat(Futex.wakeAll(region, NOTIFY_OFFSET)).isEqualTo(16);

            for (ChildJvm child : children) {
                assertThat(child.awaitLine("RESULT", START)).startsWith("RESULT WOKEN ");
                assertThat(child.waitFor(START)).isZero();
            }
        } finally {
            for (ChildJvm child : children) {
                child.close();
            }
        }
    }

    @Test
    void waitEndsAtItsTimeoutWhenNobodyWakes() throws Exception {
        assertChildTimesOutAfter300ms("RESULT TIMED_OUT ", 2, "futex", file.toString(), "current", "300");
    }

    @Test
    void waitReturnsAtOnceWhenTheWordNoLongerHoldsTheExpectedValue() throws Exception {
        region.set(ValueLayout.JAVA_INT, NOTIFY_OFFSET, 7);
        try (ChildJvm child = ChildJvm.start(SMALL_JVM, FutexChild.class, "futex", file.toString(), "6", "30000")) {
            assertThat(child.awaitLine("RESULT", START)).startsWith("RESULT VALUE_CHANGED ");
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void followerProcessSeesTheChangeWithEveryStrategy(WaitStrategy strategy) throws Exception {
        region.set(ValueLayout.JAVA_LONG, COMMITTED_OFFSET, 41);
        try (ChildJvm child = ChildJvm.start(SMALL_JVM, FutexChild.class, "change", file.toString(), strategy.name(), "60000")) {
            assertThat(child.awaitLine("WAITING", START)).isEqualTo("WAITING " + strategy);
            if (strategy == WaitStrategy.BLOCK || strategy == WaitStrategy.SPIN_THEN_BLOCK) {
                ProcessProbe.awaitSharedFutexWaiters(child.pid(), 1, START);
            }

            publish(42);

            assertThat(child.awaitLine("RESULT", START)).startsWith("RESULT READY 42 ").endsWith(" 0");
            assertThat(child.waitFor(START)).isZero();
        }
    }

    @Test
    void forcedFallbackPollsWithBackoffAndLogsOneNotice() throws Exception {
        region.set(ValueLayout.JAVA_LONG, COMMITTED_OFFSET, 5);
        List<String> noFutex = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-D" + Futex.ENABLED_PROPERTY + "=false");
        try (ChildJvm child = ChildJvm.start(noFutex, FutexChild.class, "change", file.toString(), "BLOCK", "60000")) {
            assertThat(child.awaitLine("WAITING", START)).isEqualTo("WAITING BACKOFF");
            Thread.sleep(200); // let it reach its longest backoff pauses
            assertThat(ProcessProbe.threadsInSharedFutexWait(child.pid())).isZero();

            publish(6);

            assertThat(child.awaitLine("RESULT", START)).startsWith("RESULT READY 6 ").endsWith(" 1");
        }
    }

    @Test
    void changeWaitEndsAtItsTimeoutWhenNothingIsPublished() throws Exception {
        assertChildTimesOutAfter300ms("RESULT TIMED_OUT 0 ", 3, "change", file.toString(), "SPIN_THEN_BLOCK", "300");
    }

    /** Runs a child whose wait times out; checks its result line and that field {@code msField} is >= 300 ms. */
    private static void assertChildTimesOutAfter300ms(String resultPrefix, int msField, String... args) throws Exception {
        try (ChildJvm child = ChildJvm.start(SMALL_JVM, FutexChild.class, args)) {
            String result = child.awaitLine("RESULT", START);
            assertThat(result).startsWith(resultPrefix);
            assertThat(Long.parseLong(result.split(" ")[msField])).isGreaterThanOrEqualTo(300);
        }
    }

    /** The master's side of a publish: committed first, then notify and the wake. */
    private void publish(long version) {
        ValueLayout.JAVA_LONG.varHandle().setRelease(region, (long) COMMITTED_OFFSET, version);
        new Notifier(region, NOTIFY_OFFSET, wakeups).signal();
    }
}
