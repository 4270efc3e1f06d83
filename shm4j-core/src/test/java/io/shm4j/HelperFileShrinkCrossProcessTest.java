package io.shm4j;

import io.shm4j.internal.ChangeWaiter;
import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;
import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.FollowerWaitChild;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A tag's follower registry or legacy sleepers file truncated while a follower process sleeps in
 * the kernel (FORMAT.md 5.6): its asleep bit or count is gone with the file's pages, and the
 * master must still wake it. The follower's kernel wait lasts up to 10 minutes a slice, so only
 * a wake-up (or its own polling) brings each version within the test's deadline.
 */
class HelperFileShrinkCrossProcessTest {
    private static final Duration START = ChildJvm.START;
    private static final String TAG = "woken";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @ParameterizedTest
    @ValueSource(strings = {"~followers", "~sleepers"})
    void aFollowerAsleepWhenTheFileShrinksIsWokenAndReadsEveryLaterVersion(String helper) throws Exception {
        Path file = dir.path().resolve(TAG + helper);
        try (var master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("v1");
            try (var follower = ChildJvm.start(List.of("-D" + ChangeWaiter.BLOCK_SLICE_PROPERTY + "=600000"),
                    FollowerWaitChild.class, "await", dir.path().toString(), TAG, "BLOCK", "1", "4", "600000")) {
                assertThat(follower.awaitLine("WAITING", START)).isEqualTo("WAITING BLOCK");
                ProcessProbe.awaitSharedFutexWaiters(follower.pid(), 1, START);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ch.truncate(0);
                }
                for (long v = 2; v <= 4; v++) {
                    assertThat(master.publish("v" + v)).isEqualTo(v);
                    assertThat(follower.awaitLine("GOT", START)).isEqualTo("GOT " + v + " 2");
                }
                assertThat(follower.waitFor(START)).as("the follower closed without an Error").isZero();
            }
            if (helper.equals("~followers")) {
                assertThatThrownBy(master::followers).isInstanceOf(RegionShrunkException.class)
                        .hasMessageContaining(file + " shrank to 0 bytes");
            } else {
                assertThat(master.followers()).as("the follower left").isEmpty();
            }
            assertThat(master.publish("v5")).isEqualTo(5);
        }
    }

    /**
     * The registry truncated to its first page: the master still sees the asleep bitmap there and
     * does not fault, but the follower's entry (the 32nd, on the second page) is gone. The
     * follower, which starts its wait only then, must poll: asleep in the kernel without a bit,
     * no publish would wake it.
     */
    @Test
    void aFollowerWhoseEntryIsLostPollsWhileTheMasterStillSeesTheBitmap() throws Exception {
        Path regionFile = dir.path().resolve(TAG);
        Path registry = dir.path().resolve(TAG + "~followers");
        try (var master = SharedObject.master(TAG, ObjectCodecs.text(), dir.options())) {
            master.publish("v1");
            FollowerRegistry mine = FollowerRegistry.open(regionFile, dir.options(), false);
            for (int i = 0; i < 31; i++) {
                assertThat(mine.register("placeholder", FollowerRegistryDescriptor.LANGUAGE_JAVA).index()).isEqualTo(i);
            }
            try (var follower = ChildJvm.start(List.of("-D" + ChangeWaiter.BLOCK_SLICE_PROPERTY + "=600000"),
                    FollowerWaitChild.class, "await", dir.path().toString(), TAG, "BLOCK", "1", "3", "600000", "go")) {
                follower.awaitLine("READY", START);
                try (FileChannel ch = FileChannel.open(registry, StandardOpenOption.WRITE)) {
                    ch.truncate(FollowerRegistryDescriptor.entryOffset(31));
                }
                send(follower, "go");
                assertThat(follower.awaitLine("WAITING", START)).isEqualTo("WAITING BLOCK");
                Thread.sleep(200); // most likely in its wait by now; if not, it finds v2 at once
                for (long v = 2; v <= 3; v++) {
                    assertThat(master.publish("v" + v)).isEqualTo(v);
                    assertThat(follower.awaitLine("GOT", START)).isEqualTo("GOT " + v + " 2");
                }
                assertThat(follower.waitFor(START)).as("the follower closed without an Error").isZero();
            }
            assertThatThrownBy(master::followers).isInstanceOf(RegionShrunkException.class)
                    .hasMessageContaining(registry + " shrank to 4096 bytes");
        }
    }

    private static void send(ChildJvm child, String line) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }
}
