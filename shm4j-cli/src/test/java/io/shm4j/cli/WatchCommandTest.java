package io.shm4j.cli;

import io.shm4j.testing.ChildJvm;
import io.shm4j.FollowerInfo;
import io.shm4j.ObjectCodecs;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.Futex;
import io.shm4j.internal.ObjectRegionDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code shm4j watch} as a real process, woken by a master in this JVM. */
class WatchCommandTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TAG = "watched";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void idleWatcherSleepsInTheKernelAndPrintsEachPublish() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("first");
            try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", TAG)) {
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":1,\"value\":\"first\"}");
                // idle: blocked in a futex wait, not polling
                ProcessProbe.awaitSharedFutexWaiters(watch.pid(), 1, TIMEOUT);

                master.publish("second");

                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":2,\"value\":\"second\"}");
                ProcessProbe.awaitSharedFutexWaiters(watch.pid(), 1, TIMEOUT);
                assertThat(watch.process().isAlive()).isTrue();
            }
        }
    }

    /** Issue 11.6: Ctrl-C of a sleeping watch left the sleepers count one too high for ever. */
    @Test
    void ctrlCOnASleepingWatchLeavesNothingThatMakesPublishesWake() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("first");
            try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", TAG)) {
                assertThat(watch.nextLine(TIMEOUT)).startsWith("{\"tag\":\"watched\",\"version\":1,");
                ProcessProbe.awaitSharedFutexWaiters(watch.pid(), 1, TIMEOUT);
                assertThat(master.followers()).singleElement().extracting(FollowerInfo::waiting).isEqualTo(FollowerInfo.Waiting.ASLEEP);

                assertThat(new ProcessBuilder("kill", "-INT", Long.toString(watch.pid())).start().waitFor()).isZero();
                assertThat(watch.waitFor(TIMEOUT)).isEqualTo(ExitCodes.INTERRUPTED);
            }
            // The master reclaims the dead sleeper's entry by itself (at most a second of wake-ups).
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            long before;
            do {
                Thread.sleep(50);
                before = Futex.wakeCount();
                master.publish("probe");
            } while (Futex.wakeCount() != before && System.nanoTime() < deadline);
            before = Futex.wakeCount();
            for (int i = 0; i < 20; i++) {
                master.publish("after " + i);
            }
            assertThat(Futex.wakeCount() - before).as("FUTEX_WAKE calls of 20 publishes after the watch died").isZero();
            assertThat(master.followers()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"spin", "backoff", "block"})
    void everyStrategyPrintsEachVersion(String strategy) throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("a");
            try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", TAG, "--strategy", strategy)) {
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":1,\"value\":\"a\"}");
                master.publish("b");
                assertThat(watch.nextLine(TIMEOUT)).isEqualTo("{\"tag\":\"watched\",\"version\":2,\"value\":\"b\"}");
            }
        }
    }

    @Test
    void countZeroWaitsForNoTag() throws Exception {
        // A tag not created yet is waited for; with no line wanted there is nothing to wait for.
        try (ChildJvm watch = ChildJvm.start(Main.class, "--dir", dir.path().toString(), "watch", "not-yet", "--count", "0")) {
            assertThat(watch.waitFor(TIMEOUT)).isZero();
            assertThat(watch.output()).isEmpty();
        }
    }

    /**
     * The region file truncated under a watch by another program, with no master to move it:
     * the watch ends as on a corrupt region (exit 6) with the one line naming the file.
     */
    @Test
    void aRegionTruncatedUnderTheWatchEndsItAsACorruptRegion() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("first");
        }
        Path file = dir.path().resolve(TAG);
        ProcessBuilder command = new ProcessBuilder(ChildJvm.command(List.of(), List.of(), Main.class,
                "--dir", dir.path().toString(), "watch", TAG, "--strategy", "backoff")).redirectErrorStream(true);
        try (ChildJvm watch = ChildJvm.of(command)) {
            assertThat(watch.nextLine(TIMEOUT)).startsWith("{\"tag\":\"watched\",\"version\":1,");
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(100); // the header stays; the slots are gone
            }
            // A version 2 committed in the header: the watch reads its slot, past the file's end.
            TestDirectory.edit(file, header -> header.set(ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN),
                    ObjectRegionDescriptor.COMMITTED_OFFSET, 2L));
            assertThat(watch.waitFor(TIMEOUT)).as(String.join("\n", watch.output())).isEqualTo(ExitCodes.CORRUPT_REGION);
            assertThat(watch.output()).hasSize(2);
            assertThat(watch.output().getLast()).startsWith("shm4j: region " + TAG + " (" + file
                    + "): the file shrank to 100 bytes under this process");
        }
    }

    @Test
    void unknownStrategyIsAUsageError() {
        CliRun run = CliRun.in(dir.path(), "watch", TAG, "--strategy", "nap");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--strategy").contains("nap").contains("block, spin, backoff");
    }
}
