package io.shm4j.python;

import io.shm4j.AccessMode;
import io.shm4j.testing.ChildJvm;
import io.shm4j.MappedRegion;
import io.shm4j.MasterConflictException;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.testing.TestDirectory;
import io.shm4j.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The master lock survives anything the master's own process does with the region file
 * (FORMAT.md 5.3). A POSIX record lock ({@code FileChannel.tryLock}, Python's {@code lockf}) is
 * dropped when its process closes <em>any</em> descriptor of the file, so each way below used to
 * let a second master in; the open-file-description lock is not dropped. After each way, in the
 * Java master's JVM and in a Python master's process, a Java process and a Python process (and
 * here, this JVM) must still be refused, naming the holder's pid; growth moves the master to a
 * new file and the same holds there; once the master closes, the next one gets the region.
 */
class MasterLockTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TAG = "held";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @FunctionalInterface
    interface Way {
        void run() throws Exception;
    }

    /** Every way this JVM may open and close the file of {@link #TAG} besides being its master. */
    private Map<String, Way> ways() {
        ShmOptions options = dir.options();
        Path file = dir.path().resolve(TAG);
        Map<String, Way> ways = new LinkedHashMap<>();
        for (AccessMode mode : AccessMode.values()) {
            ways.put("MappedRegion.open " + mode, () -> MappedRegion.open(TAG, mode, options).close());
        }
        ways.put("MappedRegion.map", () -> MappedRegion.map(file, 0, AccessMode.READ).close());
        ways.put("a follower", () -> SharedObject.follower(TAG, Object.class, options).close());
        ways.put("a second master, refused", () -> assertThatThrownBy(() -> SharedObject.master(TAG, options))
                .isInstanceOf(MasterConflictException.class));
        ways.put("CLI ls", () -> cli(0, "ls"));
        ways.put("CLI dump", () -> cli(0, "dump", TAG, "--length", "64"));
        ways.put("CLI inspect", () -> cli(0, "inspect", TAG));
        ways.put("CLI get", () -> cli(0, "get", TAG));
        ways.put("CLI put, refused", () -> cli(5, "put", TAG, "1"));
        ways.put("Files.readAllBytes", () -> Files.readAllBytes(file));
        ways.put("FileChannel open and close", () -> FileChannel.open(file).close());
        return ways;
    }

    private void cli(int expected, String... args) {
        CliRun run = CliRun.in(dir.path(), args);
        assertThat(run.code()).as("shm4j %s: %s", String.join(" ", args), run.err()).isEqualTo(expected);
    }

    @Test
    void nothingAJavaMastersProcessDoesWithTheFileLetsAnotherProcessBecomeMaster() throws Exception {
        long self = ProcessHandle.current().pid();
        try (ChildJvm java = ChildJvm.start(ObjectPeerMain.class, "try-master-loop", dir.path().toString(), TAG);
             ChildJvm python = PythonPeer.procs("try-loop", TAG, dir.path())) {
            try (SharedObjectMaster<Object> master = SharedObject.master(TAG, dir.options())) {
                master.publish(Map.of("v", 1));
                for (int size : new int[] {10, 9000}) { // 9000: growth, the lock on the new file
                    master.publish("z".repeat(size));
                    for (Map.Entry<String, Way> way : ways().entrySet()) {
                        way.getValue().run();
                        String where = "after " + way.getKey() + " (object of " + size + " bytes)";
                        assertThat(attempt(java)).as("a Java process's attempt " + where).isEqualTo("RESULT conflict pid=" + self);
                        assertThat(attempt(python)).as("a Python process's attempt " + where).isEqualTo("conflict pid=" + self);
                    }
                }
            }
            assertThat(attempt(java)).as("a Java process once the master closed").startsWith("RESULT ok");
            assertThat(attempt(python)).as("a Python process once the master closed").startsWith("ok");
        }
    }

    @Test
    void nothingAPythonMastersProcessDoesWithTheFileLetsAnotherProcessBecomeMaster() throws Exception {
        try (ChildJvm holder = PythonPeer.procs("hold-touch", TAG, dir.path());
             ChildJvm java = ChildJvm.start(ObjectPeerMain.class, "try-master-loop", dir.path().toString(), TAG);
             ChildJvm python = PythonPeer.procs("try-loop", TAG, dir.path())) {
            long pid = Long.parseLong(holder.awaitLine("ready", TIMEOUT).split(" ")[1]);
            for (String step : new String[] {"touch", "grow", "touch"}) {
                send(holder, step);
                holder.awaitLine(step.equals("grow") ? "grown" : "touched", TIMEOUT);
                String where = "after the Python master's " + step;
                assertThatThrownBy(() -> SharedObject.master(TAG, dir.options())).as("this JVM " + where)
                        .isInstanceOfSatisfying(MasterConflictException.class, e -> assertThat(e.holderPid()).isEqualTo(pid));
                assertThat(attempt(java)).as("a Java process " + where).isEqualTo("RESULT conflict pid=" + pid);
                assertThat(attempt(python)).as("a Python process " + where).isEqualTo("conflict pid=" + pid);
            }
            holder.process().getOutputStream().close();
            assertThat(holder.waitFor(TIMEOUT)).isZero();
            try (SharedObjectMaster<Object> master = SharedObject.master(TAG, dir.options())) {
                assertThat(master.current()).isEqualTo("z".repeat(9000));
            }
            assertThat(attempt(java)).startsWith("RESULT ok");
            assertThat(attempt(python)).startsWith("ok");
        }
    }

    /**
     * OFD locks and classic POSIX locks on the same bytes conflict, so masters of this version
     * and of earlier ones (which took {@code FileChannel.tryLock} / {@code lockf}) still exclude
     * each other.
     */
    @Test
    void masterOfAnEarlierVersionAndOfThisOneExcludeEachOther() throws Exception {
        long self = ProcessHandle.current().pid();
        try (SharedObjectMaster<Object> master = SharedObject.master(TAG, dir.options())) {
            master.publish(1);
            try (ChildJvm old = PythonPeer.procs("lockf", TAG, dir.path())) {
                assertThat(old.nextLine(TIMEOUT)).as("an earlier version's lockf beside this master").isEqualTo("refused");
            }
        }
        try (FileChannel ch = FileChannel.open(dir.path().resolve(TAG), StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock old = ch.tryLock();
             ChildJvm java = ChildJvm.start(ObjectPeerMain.class, "try-master-loop", dir.path().toString(), TAG);
             ChildJvm python = PythonPeer.procs("try-loop", TAG, dir.path())) {
            assertThat(old).as("an earlier version's FileChannel.tryLock").isNotNull();
            assertThat(attempt(java)).as("a Java master beside an earlier version's").isEqualTo("RESULT conflict pid=" + self);
            assertThat(attempt(python)).as("a Python master beside an earlier version's").isEqualTo("conflict pid=" + self);
        }
    }

    /** One master attempt by a try-loop peer: its answer line. */
    private static String attempt(ChildJvm peer) throws IOException, InterruptedException {
        send(peer, "try");
        return peer.nextLine(TIMEOUT);
    }

    private static void send(ChildJvm peer, String line) throws IOException {
        OutputStream in = peer.process().getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }
}
