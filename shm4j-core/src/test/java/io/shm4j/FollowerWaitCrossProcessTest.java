package io.shm4j;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.FollowerWaitChild;
import io.shm4j.testing.ProcessProbe;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.ChangeWaiter;
import io.shm4j.internal.Futex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Followers in their own JVMs waiting for versions ({@code awaitNewer}, {@code subscribe}) while
 * a master (this JVM, or a child that is killed) publishes. Before publishing, the tests check in
 * {@code /proc} that the followers really sleep in a shared {@code FUTEX_WAIT}, so a result
 * proves the publish woke them.
 */
class FollowerWaitCrossProcessTest {
    private static final Duration START = ChildJvm.START;
    private static final List<String> SMALL_JVM = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1");
    private static final String TAG = "waited";

    @RegisterExtension
    final TestDirectory testDir = TestDirectory.create();
    private final Path dir = testDir.path();
    private final ShmOptions options = testDir.options();

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void blockedFollowerProcessIsWokenByAPublish(WaitStrategy strategy) throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("one");
            try (ChildJvm follower = startFollower("await", strategy.name(), "1", "2", "60000")) {
                assertThat(follower.awaitLine("WAITING", START)).isEqualTo("WAITING " + strategy);
                awaitSleepingIfBlocking(follower, strategy);

                master.publish("two!");

                assertThat(follower.awaitLine("GOT", START)).isEqualTo("GOT 2 4");
                assertThat(follower.waitFor(START)).isZero();
            }
        }
    }

    @Test
    void onePublishWakesSixteenFollowerProcesses() throws Exception {
        List<ChildJvm> followers = new ArrayList<>();
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("one");
            for (int i = 0; i < 16; i++) {
                followers.add(startFollower("await", "BLOCK", "1", "2", "60000"));
            }
            for (ChildJvm f : followers) {
                f.awaitLine("WAITING", START);
                ProcessProbe.awaitSharedFutexWaiters(f.pid(), 1, START);
            }

            master.publish("two");

            assertEachGetsAndExits(followers, "GOT 2 3");
        } finally {
            closeAll(followers);
        }
    }

    /**
     * No lost wake-up although masters skip {@code FUTEX_WAKE} while no follower counts itself
     * asleep: two processes pass a counter back and forth, each sleeping in {@code BLOCK} between
     * turns, with kernel wait slices of an hour, so a wake-up lost in the register/publish race
     * would stall a turn until its 20 s timeout (reported) instead of costing one 1 s slice.
     */
    @Test
    void pingPongBetweenBlockedProcessesLosesNoWakeUp() throws Exception {
        List<String> jvm = List.of("-Xmx64m", "-D" + ChangeWaiter.BLOCK_SLICE_PROPERTY + "=3600000");
        int rounds = 20_000;
        try (ChildJvm first = ChildJvm.start(jvm, FollowerWaitChild.class, "pingpong", dir.toString(), "ping", "pong",
                Integer.toString(rounds), "first");
             ChildJvm second = ChildJvm.start(jvm, FollowerWaitChild.class, "pingpong", dir.toString(), "pong", "ping",
                     Integer.toString(rounds), "second")) {
            assertThat(first.awaitLine("READY", START)).isEqualTo("READY 3600000");
            assertThat(second.awaitLine("READY", START)).isEqualTo("READY 3600000");

            Duration turns = Duration.ofSeconds(180);
            assertThat(second.awaitLine("", turns)).startsWith("RESULT " + rounds + " ");
            assertThat(first.awaitLine("", turns)).startsWith("RESULT " + (rounds + 1) + " ");
            assertThat(first.waitFor(START)).isZero();
            assertThat(second.waitFor(START)).isZero();
        }
        for (String tag : List.of("ping", "pong")) {
            assertThat(SharedObject.followers(tag, options)).as("followers of " + tag).isEmpty();
        }
    }

    @Test
    void awaitNewerReturnsEmptyAfterItsTimeout() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("only");
            try (ChildJvm follower = startFollower("await", "SPIN_THEN_BLOCK", "1", "2", "300")) {
                String line = follower.awaitLine("TIMEOUT", START);
                assertThat(Long.parseLong(line.split(" ")[1])).isGreaterThanOrEqualTo(300);
            }
        }
    }

    @Test
    void awaitNewerReturnsTheCurrentVersionAtOnceWhenItIsNewer() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("a");
            master.publish("bb");
            master.publish("ccc");
            try (ChildJvm follower = startFollower("await", "BLOCK", "1", "2", "60000")) {
                assertThat(follower.awaitLine("GOT", START)).isEqualTo("GOT 3 3"); // skips 2: the newest is what counts
            }
        }
    }

    @Test
    void followersKeepWaitingWhenTheMasterDiesAndWakeForTheNextMaster() throws Exception {
        List<ChildJvm> followers = new ArrayList<>();
        try (ChildJvm oldMaster = ChildJvm.start(SMALL_JVM, FollowerWaitChild.class, "master", dir.toString(), TAG, "first")) {
            assertThat(oldMaster.awaitLine("PUBLISHED", START)).isEqualTo("PUBLISHED 1");
            for (int i = 0; i < 3; i++) {
                followers.add(startFollower("await", "BLOCK", "1", "2", "60000"));
            }
            for (ChildJvm f : followers) {
                f.awaitLine("WAITING", START);
                ProcessProbe.awaitSharedFutexWaiters(f.pid(), 1, START);
            }

            oldMaster.kill();

            Thread.sleep(300);
            for (ChildJvm f : followers) {
                assertThat(f.process().isAlive()).isTrue();
                assertThat(f.output()).containsExactly("WAITING BLOCK");
                ProcessProbe.awaitSharedFutexWaiters(f.pid(), 1, START); // asleep again, not spinning
            }
            try (SharedObjectMaster<String> newMaster = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
                assertThat(newMaster.version()).isEqualTo(1);
                // taking over signals the followers; they find nothing new and sleep again
                for (ChildJvm f : followers) {
                    ProcessProbe.awaitSharedFutexWaiters(f.pid(), 1, START);
                    assertThat(f.output()).containsExactly("WAITING BLOCK");
                }

                newMaster.publish("second");

                for (ChildJvm f : followers) {
                    assertThat(f.awaitLine("GOT", START)).isEqualTo("GOT 2 6");
                }
            }
        } finally {
            closeAll(followers);
        }
    }

    @Test
    void followersWaitingWhileTheRegionGrowsMoveToTheNewFileAndGetTheNextVersions() throws Exception {
        List<ChildJvm> followers = new ArrayList<>();
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("small");
            for (String strategy : List.of("BLOCK", "SPIN_THEN_BLOCK", "BACKOFF")) {
                // other threads keep reading: moving to the new file must not unmap what a waiter sleeps on
                followers.add(startFollower("await", strategy, "1", "3", "60000", "reading"));
            }
            for (ChildJvm f : followers) {
                f.awaitLine("WAITING", START);
            }
            ProcessProbe.awaitSharedFutexWaiters(followers.get(0).pid(), 1, START);
            ProcessProbe.awaitSharedFutexWaiters(followers.get(1).pid(), 1, START);
            Object fileBefore = Files.readAttributes(dir.resolve(TAG), java.nio.file.attribute.BasicFileAttributes.class).fileKey();

            master.publish("x".repeat(100_000)); // far beyond the first file's slot capacity: grows

            assertThat(Files.readAttributes(dir.resolve(TAG), java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                    .as("the tag names a new, larger file").isNotEqualTo(fileBefore);
            for (ChildJvm f : followers) {
                assertThat(f.awaitLine("GOT", START)).isEqualTo("GOT 2 100000");
            }
            // they now sleep on the new file: the next publish there must wake them
            ProcessProbe.awaitSharedFutexWaiters(followers.get(0).pid(), 1, START);
            ProcessProbe.awaitSharedFutexWaiters(followers.get(1).pid(), 1, START);

            master.publish("after");

            for (ChildJvm f : followers) {
                assertThat(f.awaitLine("GOT", START)).isEqualTo("GOT 3 5");
                assertThat(f.awaitLine("READER", START)).endsWith(" reads, ok");
                assertThat(f.waitFor(START)).isZero();
            }
        } finally {
            closeAll(followers);
        }
    }

    @ParameterizedTest
    @EnumSource(WaitStrategy.class)
    void closingAFollowerEndsItsWaitingCallPromptly(WaitStrategy strategy) throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("one");
            try (ChildJvm follower = startFollower("close", strategy.name())) {
                assertThat(follower.awaitLine("CLOSED", START)).isEqualTo("CLOSED IllegalStateException");
                assertThat(follower.waitFor(START)).isZero();
            }
        }
    }

    @Test
    void subscriptionDeliversVersionsInOrderEndingWithTheNewest() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("v1");
            try (ChildJvm follower = startFollower("subscribe", "SPIN_THEN_BLOCK", "20")) {
                // The subscription thread's first VERSION line and the main thread's WAITING line
                // come in either order.
                assertThat(follower.awaitLine("VERSION", START)).isEqualTo("VERSION 1 v1");
                ProcessProbe.awaitSharedFutexWaiters(follower.pid(), 1, START);
                assertThat(follower.output()).contains("WAITING SPIN_THEN_BLOCK");
                for (int v = 2; v <= 20; v++) {
                    master.publish("v" + v);
                }
                follower.awaitLine("DONE", START);
                List<Long> versions = follower.output().stream().filter(l -> l.startsWith("VERSION"))
                        .map(l -> Long.parseLong(l.split(" ")[1])).toList();
                assertThat(versions).isSorted().doesNotHaveDuplicates().endsWith(20L);
                assertThat(follower.output()).allMatch(l -> !l.startsWith("VERSION")
                        || l.endsWith(" v" + l.split(" ")[1]), "each version arrives with its own value");
                assertThat(follower.waitFor(START)).isZero();
            }
        }
    }

    @Test
    void forcedFallbackPollsAndStillSeesThePublish() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master(TAG, ObjectCodecs.text(), options)) {
            master.publish("one");
            List<String> jvm = List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "-D" + Futex.ENABLED_PROPERTY + "=false");
            try (ChildJvm follower = ChildJvm.start(jvm, FollowerWaitChild.class, "await", dir.toString(), TAG, "BLOCK", "1", "2", "60000")) {
                assertThat(follower.awaitLine("WAITING", START)).isEqualTo("WAITING BACKOFF");
                Thread.sleep(200);
                assertThat(ProcessProbe.threadsInSharedFutexWait(follower.pid())).isZero();

                master.publish("two");

                assertThat(follower.awaitLine("GOT", START)).isEqualTo("GOT 2 3");
            }
        }
    }

    private ChildJvm startFollower(String mode, String... rest) throws IOException {
        List<String> args = new ArrayList<>(List.of(mode, dir.toString(), TAG));
        args.addAll(List.of(rest));
        return ChildJvm.start(SMALL_JVM, FollowerWaitChild.class, args.toArray(String[]::new));
    }

    /** Each child prints {@code gotLine} as its next result and exits normally. */
    private static void assertEachGetsAndExits(List<ChildJvm> children, String gotLine) throws InterruptedException {
        for (ChildJvm c : children) {
            assertThat(c.awaitLine("GOT", START)).isEqualTo(gotLine);
            assertThat(c.waitFor(START)).isZero();
        }
    }

    private static void closeAll(List<ChildJvm> children) throws InterruptedException {
        for (ChildJvm c : children) {
            c.close();
        }
    }

    private static void awaitSleepingIfBlocking(ChildJvm follower, WaitStrategy strategy) throws Exception {
        if (strategy == WaitStrategy.BLOCK || strategy == WaitStrategy.SPIN_THEN_BLOCK) {
            ProcessProbe.awaitSharedFutexWaiters(follower.pid(), 1, START);
        } else {
            Thread.sleep(100);
        }
    }
}
