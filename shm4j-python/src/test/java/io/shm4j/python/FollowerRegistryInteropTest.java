package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import io.shm4j.FollowerInfo;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.Futex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The follower registry (FORMAT.md 3.3) with real Java and Python follower processes and a Java
 * master in this JVM: followers appear and disappear, kill -9 leaves nothing that costs a
 * FUTEX_WAKE, awaitSeen waits for the slowest and names a stopped follower, a follower without
 * write access still reads.
 */
class FollowerRegistryInteropTest {
    private static final String TAG = "reg";
    private static final Duration START = Duration.ofSeconds(120);
    private static final String SYSTEM_PYTHON = "/usr/bin/python3";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private ChildJvm java(String name, String mode) throws Exception {
        return ChildJvm.start(RegistryFollowerPeer.class, dir.path().toString(), TAG, name, mode);
    }

    private ChildJvm python(String name, String mode) throws Exception {
        return PythonPeer.module("tests.registry_peer", dir.path(), TAG, name, mode);
    }

    private SharedObjectMaster<String> master() throws Exception {
        return SharedObject.master(TAG, ObjectCodecs.text(), dir.options());
    }

    /** Polls followers() until {@code condition} holds (generous deadline); returns the last list. */
    private static List<FollowerInfo> await(SharedObjectMaster<String> master, Predicate<List<FollowerInfo>> condition,
                                            String what) throws InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        List<FollowerInfo> list = master.followers();
        while (!condition.test(list) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            list = master.followers();
        }
        assertThat(condition.test(list)).as(what + "; last seen: " + list).isTrue();
        return list;
    }

    private static Map<Long, FollowerInfo> byPid(List<FollowerInfo> list) {
        return list.stream().collect(Collectors.toMap(FollowerInfo::pid, f -> f, (a, b) -> b));
    }

    @Test
    void followersAppearAndKillNineLeavesNoEntryAndNoWakeUp() throws Exception {
        try (SharedObjectMaster<String> master = master()) {
            master.publish("one");
            try (ChildJvm javaBlock = java("java-block", "block");
                 ChildJvm javaSpin = java("java-spin", "spin");
                 ChildJvm pyBlock = python("py-block", "block");
                 ChildJvm pySpin = python("py-spin", "spin")) {
                List<ChildJvm> all = List.of(javaBlock, javaSpin, pyBlock, pySpin);
                for (ChildJvm c : all) {
                    assertThat(c.awaitLine("READY", START)).startsWith("READY");
                    assertThat(c.awaitLine("SEEN 1", START)).isEqualTo("SEEN 1");
                }
                List<FollowerInfo> list = await(master, l -> l.size() == 4
                        && byPid(l).get(javaBlock.pid()) != null && byPid(l).get(javaBlock.pid()).waiting() == FollowerInfo.Waiting.ASLEEP
                        && byPid(l).get(pyBlock.pid()) != null && byPid(l).get(pyBlock.pid()).waiting() == FollowerInfo.Waiting.ASLEEP
                        // between two awaits (printing SEEN) a spinner is briefly not waiting: wait for its wait
                        && byPid(l).get(javaSpin.pid()) != null && byPid(l).get(javaSpin.pid()).waiting() == FollowerInfo.Waiting.SPINNING,
                        "four followers, the blocking ones asleep, the Java spinner spinning");
                Map<Long, FollowerInfo> pids = byPid(list);
                assertThat(pids.get(javaBlock.pid()).language()).isEqualTo("java");
                assertThat(pids.get(javaBlock.pid()).name()).isEqualTo("java-block");
                assertThat(pids.get(pyBlock.pid()).language()).isEqualTo("python");
                assertThat(pids.get(pySpin.pid()).name()).isEqualTo("py-spin");
                assertThat(pids.get(javaSpin.pid()).waiting()).isEqualTo(FollowerInfo.Waiting.SPINNING);
                assertThat(list).allSatisfy(f -> {
                    assertThat(f.alive()).isTrue();
                    assertThat(f.versionSeen()).isEqualTo(1);
                    assertThat(f.lagVersions()).isZero();
                });

                master.publish("two");
                assertThat(master.awaitSeen(2, START)).as("every follower read version 2").isEmpty();

                for (ChildJvm c : all) {
                    c.kill(); // SIGKILL: no follower cleans up
                }
                List<FollowerInfo> dead = master.followers();
                assertThat(dead).as("listed once as dead, while reclaimed").hasSize(4).allSatisfy(f -> assertThat(f.alive()).isFalse());
                assertThat(master.followers()).as("then gone").isEmpty();
            }
            long before = Futex.wakeCount();
            for (int i = 0; i < 50; i++) {
                master.publish("after " + i);
            }
            assertThat(Futex.wakeCount() - before).as("FUTEX_WAKE calls of 50 publishes with no live sleeper").isZero();
        }
    }

    @Test
    void aKilledSleeperIsReclaimedByTheMasterItselfAfterAFewWakeUps() throws Exception {
        try (SharedObjectMaster<String> master = master()) {
            master.publish("one");
            try (ChildJvm pyBlock = python("py-block", "block")) {
                pyBlock.awaitLine("SEEN 1", START);
                await(master, l -> l.size() == 1 && l.getFirst().waiting() == FollowerInfo.Waiting.ASLEEP, "asleep");
                pyBlock.kill();
            }
            // Nobody lists: the master's own publishes find the dead sleeper (at most once a second).
            long deadline = System.nanoTime() + START.toNanos();
            long before;
            do {
                master.publish("probe");
                Thread.sleep(50);
                before = Futex.wakeCount();
                master.publish("quiet?");
            } while (Futex.wakeCount() != before && System.nanoTime() < deadline);
            before = Futex.wakeCount();
            for (int i = 0; i < 20; i++) {
                master.publish("after " + i);
            }
            assertThat(Futex.wakeCount() - before).as("wakes once the master reclaimed the dead sleeper").isZero();
            assertThat(master.followers()).isEmpty();
        }
    }

    @Test
    void awaitSeenWaitsForTheSlowestAndNamesAStoppedFollower() throws Exception {
        try (SharedObjectMaster<String> master = master();
             ChildJvm javaBlock = java("java-block", "block");
             ChildJvm pyBlock = python("py-block", "block")) {
            javaBlock.awaitLine("READY", START);
            pyBlock.awaitLine("READY", START);
            await(master, l -> l.size() == 2, "two followers");
            long v1 = master.publish("one");
            assertThat(master.awaitSeen(v1, START)).isEmpty();
            javaBlock.awaitLine("SEEN 1", START);
            pyBlock.awaitLine("SEEN 1", START);

            new ProcessBuilder("kill", "-STOP", Long.toString(pyBlock.pid())).start().waitFor();
            try {
                long v2 = master.publish("two");
                List<FollowerInfo> late = master.awaitSeen(v2, Duration.ofSeconds(2));
                assertThat(late).extracting(FollowerInfo::pid).containsExactly(pyBlock.pid());
                assertThat(late.getFirst().versionSeen()).isEqualTo(1);
                assertThat(late.getFirst().lagVersions()).isEqualTo(1);
                javaBlock.awaitLine("SEEN 2", START);
            } finally {
                new ProcessBuilder("kill", "-CONT", Long.toString(pyBlock.pid())).start().waitFor();
            }
            pyBlock.awaitLine("SEEN 2", START);
            assertThat(master.awaitSeen(2, START)).as("after SIGCONT").isEmpty();
        }
    }

    @Test
    void aFollowerThatMayNotWriteTheRegistryStillReadsUnregistered() throws Exception {
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of(SYSTEM_PYTHON))) {
            System.out.println("SKIPPED aFollowerThatMayNotWriteTheRegistryStillReadsUnregistered: needs root and "
                    + SYSTEM_PYTHON + " to run a follower as nobody");
            return;
        }
        try (SharedObjectMaster<String> master = master()) {
            master.publish("one");
            // Let "nobody" read the directory and the region, not write the registry.
            Files.setPosixFilePermissions(dir.path(), PosixFilePermissions.fromString("rwxr-xr-x"));
            for (Path p = dir.path().getParent(); p != null; p = p.getParent()) {
                assertThat(Files.isExecutable(p)).isTrue();
            }
            Files.setPosixFilePermissions(dir.path().resolve(TAG), PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(dir.path().resolve(TAG + "~sleepers"), PosixFilePermissions.fromString("rw-r--r--"));
            List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"));
            List<String> python = new ArrayList<>(PythonPeer.builder("tests.registry_peer", dir.path(), TAG, "as-nobody", "block").command());
            python.set(0, SYSTEM_PYTHON); // root's interpreter (e.g. under /root/.pyenv) is not nobody's
            command.addAll(python);
            ProcessBuilder b = PythonPeer.builder("tests.registry_peer").command(command);
            try (ChildJvm nobody = ChildJvm.of(b)) {
                assertThat(nobody.awaitLine("READY", START)).isEqualTo("READY unregistered");
                assertThat(nobody.awaitLine("SEEN 1", START)).isEqualTo("SEEN 1");
                master.publish("two");
                assertThat(nobody.awaitLine("SEEN 2", START)).as("read without a registry entry (it polls)").isEqualTo("SEEN 2");
                assertThat(master.followers()).as("not visible to its master").isEmpty();
                assertThat(master.awaitSeen(2, Duration.ZERO)).isEmpty();
            }
        }
    }
}
