package io.shm4j;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.testing.SelfCheckingPayload;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Shared objects between real, separate JVMs (see {@link ObjectPeerMain}). */
class SharedObjectCrossProcessTest {
    private static final Duration START = ChildJvm.START;
    /** Generous: a reader's work under heavy load ({@link ObjectPeerMain#WORK_DEADLINE_NANOS}, plus start-up). */
    private static final Duration WORK_DONE = Duration.ofNanos(ObjectPeerMain.WORK_DEADLINE_NANOS).plusSeconds(60);
    private static final int STRESS_VERSIONS = 500;

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    private ChildJvm peer(String mode, String tag, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(mode, dir.path().toString(), tag));
        all.addAll(List.of(args));
        return ChildJvm.start(ObjectPeerMain.class, all.toArray(String[]::new));
    }

    /** Parses "RESULT a=1 b=2" into a map. */
    private static Map<String, String> result(String line) {
        assertThat(line).startsWith("RESULT");
        Map<String, String> m = new HashMap<>();
        for (String part : line.substring("RESULT".length()).trim().split(" ")) {
            String[] kv = part.split("=", 2);
            m.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return m;
    }

    @Test
    void threeFollowerProcessesSeeTheFinalVersionAndOnlyWholeObjects() throws Exception {
        int count = 300;
        try (var master = peer("count-master", "cfg", String.valueOf(count))) {
            master.awaitLine("READY", START);
            List<ChildJvm> followers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    followers.add(peer("json-follower", "cfg", String.valueOf(count)));
                }
                assertThat(result(master.awaitLine("RESULT", Duration.ofSeconds(60))).get("version")).isEqualTo(String.valueOf(count));
                for (ChildJvm f : followers) {
                    Map<String, String> r = result(f.awaitLine("RESULT", Duration.ofSeconds(60)));
                    assertThat(r.get("last")).isEqualTo(String.valueOf(count));
                    assertThat(r.get("bad")).isEqualTo("0");
                    assertThat(Integer.parseInt(r.get("distinct"))).isPositive();
                    assertThat(f.waitFor(START)).isZero();
                }
            } finally {
                for (ChildJvm f : followers) {
                    f.close();
                }
            }
            assertThat(master.waitFor(START)).isZero();
        }
    }

    /**
     * A master publishing self-checking payloads of 1 B to 1 MiB at full speed, two follower
     * processes validating every read until each has seen {@link #STRESS_VERSIONS} new versions;
     * the master publishes until all are done. The second follower skips the CRC-32
     * ({@code withVerifyChecksums(false)}): the sequence number alone must keep its copies whole.
     * The third spins in {@code awaitNewer(SnapshotBuffer)}, which reads versions ahead of their
     * commit (FORMAT.md 5.2); how many it read so is printed, not asserted (it depends on timing).
     * The soak profile ({@code ./mvnw -Psoak verify})
     * sets {@code shm4j.soak.seconds}, the least time each follower reads, for a long run.
     */
    @Test
    void tornReadStressAcrossProcessesFindsNoInvalidRead() throws Exception {
        int seconds = Integer.getInteger("shm4j.soak.seconds", 0);
        try (var master = peer("stress-master", "stress", String.valueOf(1 << 20))) {
            master.awaitLine("READY", START);
            try (var f1 = peer("stress-follower", "stress", String.valueOf(seconds), "versions=" + STRESS_VERSIONS);
                 var f2 = peer("stress-follower-unverified", "stress", String.valueOf(seconds), "versions=" + STRESS_VERSIONS);
                 var f3 = peer("spin-follower", "stress", String.valueOf(STRESS_VERSIONS))) {
                for (ChildJvm f : List.of(f1, f2, f3)) {
                    String line = f.awaitLine("RESULT", WORK_DONE.plusSeconds(seconds));
                    System.out.println("torn-read stress, follower: " + line);
                    Map<String, String> r = result(line);
                    assertThat(r.get("invalid")).as("invalid reads in %s", r).isEqualTo("0");
                    assertThat(r.get("backwards")).as("versions going back in %s", r).isEqualTo("0");
                    assertThat(r.get("done")).as("saw %d new versions before the deadline: %s", STRESS_VERSIONS, r).isEqualTo("true");
                }
                master.process().getOutputStream().close(); // every reader is done
                System.out.println("torn-read stress, master: " + master.awaitLine("RESULT", START));
            }
        }
    }

    @Test
    void killedMasterLeavesTheLastVersionReadableAndTheNextMasterGoesOn() throws Exception {
        long lastSeen = 0;
        AtomicLong invalid = new AtomicLong();
        for (int round = 0; round < 4; round++) {
            try (var master = peer("stress-master", "crash", String.valueOf(4 << 20))) {
                long startVersion = Long.parseLong(master.awaitLine("READY", START).split(" ")[1]);
                assertThat(startVersion).isGreaterThan(lastSeen);
                try (var follower = SharedObject.follower("crash", ObjectCodecs.bytes(), options)) {
                    // Read while it publishes large objects, until it has published 20 more.
                    long deadline = System.nanoTime() + WORK_DONE.toNanos();
                    while (follower.version() < startVersion + 20 && System.nanoTime() < deadline) {
                        if (!SelfCheckingPayload.isValid(follower.get())) {
                            invalid.incrementAndGet();
                        }
                    }
                    master.kill();
                    Snapshot after = follower.snapshot();
                    assertThat(SelfCheckingPayload.isValid(after.bytes())).isTrue();
                    assertThat(after.version()).isGreaterThan(startVersion);
                    lastSeen = after.version();
                    assertThat(follower.snapshot().version()).isEqualTo(lastSeen); // stable after the crash
                }
            }
        }
        assertThat(invalid).hasValue(0);
        try (var master = SharedObject.master("crash", ObjectCodecs.bytes(), options)) {
            assertThat(master.version()).isEqualTo(lastSeen);
            assertThat(master.publish(new byte[]{1})).isEqualTo(lastSeen + 1);
        }
    }

    @Test
    void secondMasterProcessIsRefusedNamingTheHolderPid() throws Exception {
        try (var holder = peer("hold-master", "solo")) {
            long pid = Long.parseLong(holder.awaitLine("READY", START).split(" ")[1]);
            assertThatThrownBy(() -> SharedObject.master("solo", options))
                    .isInstanceOf(MasterConflictException.class)
                    .hasMessageContaining("pid " + pid)
                    .satisfies(e -> assertThat(((MasterConflictException) e).holderPid()).isEqualTo(pid));
            try (var tryer = peer("try-master", "solo")) {
                assertThat(tryer.awaitLine("RESULT", START)).isEqualTo("RESULT conflict pid=" + pid);
            }
            holder.process().getOutputStream().close(); // lets it exit cleanly
            assertThat(holder.waitFor(START)).isZero();
        }
        try (var master = SharedObject.master("solo", options)) {
            assertThat(master.version()).isEqualTo(1);
        }
    }

    @Test
    void aMasterRefusedOnAnInterruptedThreadNamesTheHolder() throws Exception {
        try (var holder = peer("hold-master", "held")) {
            long pid = Long.parseLong(holder.awaitLine("READY", START).split(" ")[1]);
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> SharedObject.master("held", options))
                        .isInstanceOf(MasterConflictException.class)
                        .satisfies(e -> assertThat(((MasterConflictException) e).holderPid()).isEqualTo(pid));
                assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            holder.process().getOutputStream().close();
            assertThat(holder.waitFor(START)).isZero();
        }
    }

    @Test
    void aMasterThatAlsoFollowsItsOwnTagKeepsItsExclusion() throws Exception {
        try (var master = SharedObject.master("self", options)) {
            master.publish(Map.of("a", 1));
            for (int i = 0; i < 3; i++) {
                try (var follower = SharedObject.follower("self", String.class, options)) {
                    assertThat(follower.get()).isEqualTo("{\"a\":1}");
                }
            }
            master.publish(new byte[10_000]); // growth, then follow the new file too
            try (var follower = SharedObject.follower("self", String.class, options)) {
                assertThat(follower.version()).isEqualTo(2);
            }
            try (var tryer = peer("try-master", "self")) {
                assertThat(tryer.awaitLine("RESULT", START)).isEqualTo("RESULT conflict pid=" + ProcessHandle.current().pid());
            }
        }
    }

    @Test
    void growthWhileAnotherProcessFollows() throws Exception {
        try (var master = SharedObject.master("growing", ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(1, 64));
            try (var follower = peer("stress-follower", "growing", "0", "stdin")) {
                follower.awaitLine("READY", START);
                SplittableRandom random = new SplittableRandom(7);
                int size = 64;
                while (size < 4 << 20) { // grows the region about ten times while the follower reads
                    size = size + 1 + size / 50;
                    master.publish(SelfCheckingPayload.create(random.nextLong(), size));
                }
                follower.process().getOutputStream().write(("stop " + master.version() + "\n").getBytes());
                follower.process().getOutputStream().flush();
                String line = follower.awaitLine("RESULT", WORK_DONE);
                System.out.println("growth while following: " + line);
                Map<String, String> r = result(line);
                assertThat(r.get("invalid")).isEqualTo("0");
                assertThat(r.get("done")).isEqualTo("true");
                assertThat(Long.parseLong(r.get("last"))).isEqualTo(master.version());
                assertThat(Files.size(dir.path().resolve("growing"))).isGreaterThan(2L * size);
            }
        }
    }

    @Test
    void loadOnceAcrossFourProcessesRunsOneLoader() throws Exception {
        Path marker = dir.path().resolve("loads.txt");
        List<ChildJvm> peers = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                peers.add(peer("load-once", "once", marker.toString()));
            }
            List<String> values = new ArrayList<>();
            for (ChildJvm p : peers) {
                values.add(result(p.awaitLine("RESULT", Duration.ofSeconds(60))).get("value"));
            }
            List<String> loaders = Files.readAllLines(marker);
            assertThat(loaders).hasSize(1);
            assertThat(values).containsOnly("loaded-by-" + loaders.getFirst());
        } finally {
            for (ChildJvm p : peers) {
                p.close();
            }
        }
    }

    @Test
    void aLoaderKilledMidLoadIsReplacedByAWaitingProcess() throws Exception {
        Path marker = dir.path().resolve("loads.txt");
        try (var doomed = peer("load-once", "reload", marker.toString(), "600000")) {
            doomed.awaitLine("READY", START);
            while (!Files.exists(marker)) { // the doomed loader has started loading
                Thread.sleep(10);
            }
            try (var waiter = peer("load-once", "reload", marker.toString(), "100")) {
                waiter.awaitLine("READY", START);
                Thread.sleep(300); // the waiter is now waiting for the doomed loader
                doomed.kill();
                String value = result(waiter.awaitLine("RESULT", Duration.ofSeconds(60))).get("value");
                List<String> loaders = Files.readAllLines(marker);
                assertThat(loaders).containsExactly(String.valueOf(doomed.pid()), String.valueOf(waiter.pid()));
                assertThat(value).isEqualTo("loaded-by-" + waiter.pid());
            }
        }
    }

    /**
     * A follower process that may not read the file gets a clear error. As root, the child runs
     * without the capabilities that bypass file permissions (CAP_DAC_OVERRIDE/READ_SEARCH).
     */
    @Test
    void followerWithoutReadPermissionGetsAClearError() throws Exception {
        try (var master = SharedObject.master("secret", ObjectCodecs.text(), options)) {
            master.publish("s3cr3t");
        }
        Path file = dir.path().resolve("secret");
        Files.setPosixFilePermissions(file, java.util.Set.of());
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        List<String> prefix = uid == 0
                ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--")
                : List.of();
        try (var child = ChildJvm.start(prefix, List.of(), ObjectPeerMain.class, "follow-once", dir.path().toString(), "secret")) {
            String line = child.awaitLine("RESULT", START);
            assertThat(line).startsWith("RESULT error java.nio.file.AccessDeniedException")
                    .contains("no read permission on region secret");
        }
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try (var follower = SharedObject.follower("secret", String.class, options)) {
            assertThat(follower.get()).isEqualTo("s3cr3t"); // nothing was lost
        }
    }
}
