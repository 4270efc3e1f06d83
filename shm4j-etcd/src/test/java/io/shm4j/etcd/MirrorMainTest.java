package io.shm4j.etcd;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code shm4j mirror}'s command line: exit codes, its stderr lines. */
class MirrorMainTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** The exit code and stderr of {@code shm4j mirror --dir DIR args...}, run in this JVM. */
    private record Run(int code, String err) {
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("--dir", dir.path().toString()));
        all.addAll(List.of(args));
        StringWriter err = new StringWriter();
        var cl = MirrorMain.commandLine();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        return new Run(cl.execute(all.toArray(String[]::new)), err.toString());
    }

    @Test
    void anOptionOutOfItsRangeIsAUsageErrorAsInTheShm4jCli() {
        // Checked before etcd is contacted: nothing listens at this endpoint.
        String etcd = "http://127.0.0.1:1";
        assertThat(run("push", "cfg", "--etcd", etcd, "--ttl", "1"))
                .isEqualTo(new Run(2, "shm4j: --ttl must be 2..9000000000, got 1 (see 'shm4j mirror push --help')\n"));
        assertThat(run("push", "cfg", "--etcd", etcd, "--ttl", "9000000001").code()).isEqualTo(2);
        for (String command : List.of("push", "pull")) {
            assertThat(run(command, "cfg", "--etcd", etcd, "--max-request-bytes", "4095")).isEqualTo(new Run(2,
                    "shm4j: --max-request-bytes must be 4096..2147483647, got 4095 (see 'shm4j mirror " + command + " --help')\n"));
        }
    }

    @Test
    void statusIgnoresTheTemporaryFileOfAStatusWrite() throws Exception {
        new MirrorStatus("cfg", EtcdMirror.Role.PULL, MirrorEvent.State.CLOSED, "stopped", ProcessHandle.current().pid(), "b",
                "http://127.0.0.1:2379", "/shm4j/cfg", 7, "a", 3, 2, 1, 2, 3).write(dir.path());
        // What a mirror killed while writing its status leaves (and what a status run meets while one writes).
        Files.writeString(dir.path().resolve("cfg~mirror-pull.tmp"), "{\"tag\":");
        StringWriter out = new StringWriter();
        var cl = MirrorMain.commandLine();
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--dir", dir.path().toString(), "status", "cfg")).isZero();
        assertThat(out.toString().lines().skip(1).toList()).singleElement()
                .satisfies(line -> assertThat(line).startsWith("cfg").contains("pull").contains("CLOSED"));
    }

    @Test
    void verboseShowsTheLibrarysNotices() throws Exception {
        EtcdServer.assumeInstalled();
        try (EtcdServer etcd = EtcdServer.launch()) {
            try (SharedObjectMaster<byte[]> m = SharedObject.master("cfg", ObjectCodecs.bytes(), dir.options())) {
                m.publish(new byte[] {1});
            }
            Path registry = dir.path().resolve("cfg~followers");
            Files.writeString(registry, "garbage"); // an unusable registry: the library's notice, INFO
            String notice = "shm4j: info: cannot register in " + registry;
            for (boolean verbose : List.of(false, true)) {
                // A prefix per run: the first one's lease (killed, not stopped) holds its pusher role for the TTL.
                List<String> args = new ArrayList<>(List.of("--dir", dir.path().toString(), "push", "cfg", "--etcd", etcd.endpoint(),
                        "--prefix", "/verbose-" + verbose + "/"));
                if (verbose) {
                    args.add("--verbose");
                }
                try (ChildJvm push = ChildJvm.of(new ProcessBuilder(ChildJvm.command(List.of(), List.of(), MirrorMain.class,
                        args.toArray(String[]::new))).redirectErrorStream(true))) {
                    push.awaitLine("ACTIVE cfg", DEADLINE);
                    if (verbose) {
                        assertThat(push.output()).anySatisfy(line -> assertThat(line).startsWith(notice));
                    } else {
                        assertThat(push.output()).noneSatisfy(line -> assertThat(line).contains("cannot register"));
                    }
                }
            }
        }
    }
}
