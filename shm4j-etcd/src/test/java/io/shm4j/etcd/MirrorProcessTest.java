package io.shm4j.etcd;

import io.shm4j.testing.ChildJvm;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.Snapshot;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The mirror as its users run it: every party a separate process (the master, the pushers, the
 * pulls, Java and Python followers), a real etcd that the test kills, restarts and compacts.
 * Hosts A, B and C are three region directories.
 */
class MirrorProcessTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private EtcdServer etcd;
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private TestDirectory hostA;
    private TestDirectory hostB;
    private TestDirectory hostC;

    @BeforeEach
    void start() throws Exception {
        EtcdServer.assumeInstalled();
        etcd = EtcdServer.launch();
        hostA = new TestDirectory();
        hostB = new TestDirectory();
        hostC = new TestDirectory();
    }

    @AfterEach
    void stop() throws Exception {
        if (etcd == null) {
            return;
        }
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        etcd.close();
        hostA.close();
        hostB.close();
        hostC.close();
    }

    private <T extends AutoCloseable> T track(T c) {
        cleanup.add(c);
        return c;
    }

    private ChildJvm mirror(TestDirectory host, String host_name, String endpoint, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--dir", host.path().toString()));
        all.addAll(List.of(args));
        all.addAll(List.of("--etcd", endpoint, "--host", host_name));
        return track(ChildJvm.of(new ProcessBuilder(ChildJvm.command(List.of(), List.of(), MirrorMain.class,
                all.toArray(String[]::new))).redirectErrorStream(true)));
    }

    private ChildJvm master(int from, int to, long pauseMillis) throws Exception {
        return track(ChildJvm.start(CountingMaster.class, hostA.path().toString(), "cfg", "" + from, "" + to, "" + pauseMillis));
    }

    private ChildJvm javaFollower(TestDirectory host, int last) throws Exception {
        ChildJvm f = track(ChildJvm.start(OrderCheckingFollower.class, host.path().toString(), "cfg", "" + last));
        f.awaitLine("following", DEADLINE);
        return f;
    }

    private ChildJvm pythonFollower(TestDirectory host, int last) throws Exception {
        String script = """
                import hashlib, json, sys
                from shm4j import Follower
                f = Follower(sys.argv[2], sys.argv[1])
                print("following", flush=True)
                seen, previous, backwards = 0, -1, 0
                while True:
                    if not f.wait_newer(seen, 1.0):
                        continue
                    s = f.snapshot()
                    seen = s.version
                    n = json.loads(s.data)["n"]
                    if n < previous:
                        backwards += 1
                    previous = n
                    if n == int(sys.argv[3]):
                        print("final", hashlib.sha256(s.data).hexdigest(), backwards, flush=True)
                        break
                """;
        Path python = Path.of(System.getProperty("shm4j.python.dir", "../python")).toAbsolutePath().normalize();
        ProcessBuilder b = new ProcessBuilder("python3", "-c", script, host.path().toString(), "cfg", "" + last);
        b.environment().put("PYTHONPATH", python.toString());
        b.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        ChildJvm f = track(ChildJvm.of(b));
        f.awaitLine("following", DEADLINE);
        return f;
    }

    /** SHA-256 of the payload host A's region holds now. */
    private String finalAtA() throws Exception {
        try (SharedObjectFollower<byte[]> f = SharedObject.follower("cfg", byte[].class, hostA.options())) {
            Snapshot s = f.snapshot();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.bytes()));
        }
    }

    /** The follower's "final SHA BACKWARDS" line: the master's final bytes, and never an older version after a newer one. */
    private static void assertEndsOn(ChildJvm follower, String sha) throws Exception {
        assertThat(follower.awaitLine("final ", DEADLINE)).isEqualTo("final " + sha + " 0");
    }

    @Test
    void javaAndPythonFollowersOnTwoHostsEndOnTheMastersFinalVersion() throws Exception {
        int last = 400;
        ChildJvm master = master(1, last, 5);
        master.awaitLine("first", DEADLINE);
        mirror(hostA, "a", etcd.endpoint(), "push", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        mirror(hostB, "b", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        mirror(hostC, "c", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm javaB = javaFollower(hostB, last);
        ChildJvm pythonB = pythonFollower(hostB, last);
        ChildJvm javaC = javaFollower(hostC, last);
        ChildJvm pythonC = pythonFollower(hostC, last);
        master.awaitLine("done", DEADLINE);
        String sha = finalAtA();
        for (ChildJvm f : List.of(javaB, pythonB, javaC, pythonC)) {
            assertEndsOn(f, sha);
        }
        String status = status(hostB);
        assertThat(status).contains("cfg").contains("pull").contains("ACTIVE").contains(etcd.endpoint());
    }

    @Test
    void etcdKilledMidStreamAndRestartedTheMirrorsResumeAndTheFinalVersionArrives() throws Exception {
        int last = 600;
        ChildJvm master = master(1, last, 10);
        master.awaitLine("first", DEADLINE);
        mirror(hostA, "a", etcd.endpoint(), "push", "cfg", "--ttl", "5").awaitLine("ACTIVE cfg", DEADLINE);
        mirror(hostB, "b", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm follower = javaFollower(hostB, last);
        awaitCountAt(hostB, 20);
        etcd.kill();
        Thread.sleep(1500);
        etcd.start();
        master.awaitLine("done", DEADLINE);
        assertEndsOn(follower, finalAtA());
    }

    @Test
    void aPullCutOffFromEtcdWhileItIsCompactedCatchesUp() throws Exception {
        int last = 300;
        TcpProxy proxy = track(new TcpProxy(etcd.clientPort()));
        ChildJvm master = master(1, 100, 5);
        master.awaitLine("first", DEADLINE);
        mirror(hostA, "a", etcd.endpoint(), "push", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm pull = mirror(hostB, "b", proxy.endpoint(), "pull", "cfg");
        pull.awaitLine("ACTIVE cfg", DEADLINE);
        master.awaitLine("done", DEADLINE);
        awaitCountAt(hostB, 100);
        proxy.cut();
        ChildJvm more = master(101, last, 2);
        more.awaitLine("done", DEADLINE);
        etcd.compact();
        ChildJvm follower = javaFollower(hostB, last);
        proxy.restore();
        assertEndsOn(follower, finalAtA());
    }

    @Test
    void aKilledPusherIsReplacedByTheStandbyAfterItsLease() throws Exception {
        int last = 500;
        ChildJvm master = master(1, last, 10);
        master.awaitLine("first", DEADLINE);
        ChildJvm first = mirror(hostA, "a1", etcd.endpoint(), "push", "cfg", "--ttl", "4");
        first.awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm standby = mirror(hostA, "a2", etcd.endpoint(), "push", "cfg", "--ttl", "4", "--standby");
        assertThat(standby.awaitLine("STANDBY cfg", DEADLINE)).contains("host a1 pid " + first.pid());
        mirror(hostB, "b", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm follower = javaFollower(hostB, last);
        awaitCountAt(hostB, 10);
        first.kill();
        standby.awaitLine("ACTIVE cfg", DEADLINE);
        master.awaitLine("done", DEADLINE);
        assertEndsOn(follower, finalAtA());
    }

    @Test
    void aPusherPausedBeyondItsLeaseStandsByAndTakesTheRoleBackWhenTheOtherPusherDies() throws Exception {
        master(1, 1, 0).awaitLine("done", DEADLINE);
        ChildJvm first = mirror(hostA, "a1", etcd.endpoint(), "push", "cfg", "--ttl", "2");
        first.awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm standby = mirror(hostA, "a2", etcd.endpoint(), "push", "cfg", "--ttl", "2", "--standby");
        standby.awaitLine("STANDBY cfg", DEADLINE);
        mirror(hostB, "b", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        signal("STOP", first); // a pause (GC, SIGSTOP) longer than the TTL: the standby takes the role
        standby.awaitLine("ACTIVE cfg", DEADLINE);
        signal("CONT", first);
        assertThat(first.awaitLine("STANDBY cfg", DEADLINE)).contains("host a2 pid " + standby.pid());
        standby.kill();
        first.awaitLine("ACTIVE cfg", DEADLINE);
        int last = 50;
        ChildJvm follower = javaFollower(hostB, last);
        master(2, last, 10).awaitLine("done", DEADLINE);
        assertEndsOn(follower, finalAtA());
    }

    private static void signal(String signal, ChildJvm process) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, "" + process.pid()).inheritIO().start().waitFor()).isZero();
    }

    @Test
    void aKilledPullRestartedContinuesFromWhatTheLocalRegionHolds() throws Exception {
        int last = 300;
        ChildJvm master = master(1, last, 10);
        master.awaitLine("first", DEADLINE);
        mirror(hostA, "a", etcd.endpoint(), "push", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm pull = mirror(hostB, "b", etcd.endpoint(), "pull", "cfg");
        pull.awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm follower = javaFollower(hostB, last);
        awaitCountAt(hostB, 20);
        pull.kill();
        ChildJvm restarted = mirror(hostB, "b", etcd.endpoint(), "pull", "cfg");
        restarted.awaitLine("ACTIVE cfg", DEADLINE);
        master.awaitLine("done", DEADLINE);
        assertEndsOn(follower, finalAtA());

        // Killed and restarted with nothing new in etcd: the region already holds the newest
        // value, which is not published again.
        restarted.kill();
        long before = versionAt(hostB);
        mirror(hostB, "b", etcd.endpoint(), "pull", "cfg").awaitLine("ACTIVE cfg", DEADLINE);
        awaitStatusRevision(hostB);
        assertThat(versionAt(hostB)).isEqualTo(before);
    }

    @Test
    void aSecondPusherIsRefusedNamingTheFirstsHostAndPidAndALocalMasterRefusesAPull() throws Exception {
        ChildJvm master = master(1, 1, 0);
        master.awaitLine("done", DEADLINE);
        ChildJvm first = mirror(hostA, "host-one", etcd.endpoint(), "push", "cfg");
        first.awaitLine("ACTIVE cfg", DEADLINE);
        ChildJvm second = mirror(hostA, "host-two", etcd.endpoint(), "push", "cfg");
        assertThat(second.waitFor(DEADLINE)).isEqualTo(5);
        assertThat(second.output()).anySatisfy(line -> assertThat(line)
                .startsWith("shm4j: tag cfg is already pushed to /shm4j/cfg by host host-one pid " + first.pid()));

        ChildJvm local = track(ChildJvm.start(CountingMaster.class, hostB.path().toString(), "cfg", "1", "1", "60000"));
        String pid = local.awaitLine("master ", DEADLINE).substring("master ".length());
        ChildJvm pull = mirror(hostB, "b", etcd.endpoint(), "pull", "cfg");
        assertThat(pull.waitFor(DEADLINE)).isEqualTo(5);
        assertThat(pull.output()).anySatisfy(line -> assertThat(line)
                .startsWith("shm4j: cannot pull tag cfg: its local region already has a master (pid " + pid + ")"));
    }

    @Test
    void aRefusedOrStandingByPusherLeavesTheStatusOfThePusherThatRuns() throws Exception {
        master(1, 1, 0).awaitLine("done", DEADLINE);
        ChildJvm first = mirror(hostA, "a1", etcd.endpoint(), "push", "cfg");
        first.awaitLine("ACTIVE cfg", DEADLINE);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (MirrorStatus.read(hostA.options()).stream().noneMatch(s -> s.pid() == first.pid() && s.running())) {
            assertThat(System.nanoTime()).as("the first pusher's status file").isLessThan(deadline);
            Thread.sleep(50);
        }
        ChildJvm refused = mirror(hostA, "a2", etcd.endpoint(), "push", "cfg");
        assertThat(refused.waitFor(DEADLINE)).isEqualTo(5);
        ChildJvm standby = mirror(hostA, "a3", etcd.endpoint(), "push", "cfg", "--standby");
        standby.awaitLine("STANDBY cfg", DEADLINE);
        standby.process().destroy(); // SIGTERM: it closes, writing its final status
        standby.waitFor(DEADLINE);
        assertThat(MirrorStatus.read(hostA.options())).singleElement().satisfies(s -> {
            assertThat(s.pid()).isEqualTo(first.pid());
            assertThat(s.state()).isEqualTo(MirrorEvent.State.ACTIVE);
            assertThat(s.running()).isTrue();
        });
    }

    private static long versionAt(TestDirectory host) throws Exception {
        try (SharedObjectFollower<byte[]> f = SharedObject.follower("cfg", byte[].class, host.options())) {
            return f.version();
        }
    }

    /** Waits until host's region holds the master's version {@code n} or a later one (the "n" in the payload). */
    private static void awaitCountAt(TestDirectory host, int n) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            try (SharedObjectFollower<JsonNode> f = SharedObject.follower("cfg", JsonNode.class, host.options())) {
                JsonNode v = f.get();
                if (v != null && v.get("n").asInt() >= n) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not created yet
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("host " + host.path() + " never received the master's version " + n);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until the running pull's status file names a revision (it has compared etcd's value with the region's). */
    private static void awaitStatusRevision(TestDirectory host) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (MirrorStatus.read(host.options()).stream().noneMatch(s -> s.running() && s.lastRevision() > 0)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no running mirror status with a revision in " + host.path());
            }
            Thread.sleep(50);
        }
    }

    private static String status(TestDirectory host) {
        StringWriter out = new StringWriter();
        var cl = MirrorMain.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--dir", host.path().toString(), "status")).isZero();
        return out.toString();
    }
}
