package io.shm4j.cli;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.shm4j.cli.CliBatchMain.command;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failures of the file system reach the user as one line naming what failed, why and what to do,
 * with exit 7 (docs/CLI.md), never a bare path. Permission cases run in a child JVM that file
 * permissions bind: as root, without the capabilities that bypass them (CAP_DAC_OVERRIDE,
 * CAP_DAC_READ_SEARCH), so root-owned files with the owner's bits cleared are refused as for any user.
 */
class FailuresSayWhyCommandsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @RegisterExtension
    final TestDirectory inputs = TestDirectory.create();

    @Test
    void aRegionDirectoryThatIsARegularFileIsNamedAsSuch() throws Exception {
        Path file = dir.path().resolve("plain");
        Files.writeString(file, "x");
        expect(CliRun.raw("--dir", file.toString(), "put", "t", "1"),
                file + ": cannot use it as the region directory: it exists and is not a directory; point SHM4J_DIR");
        expect(CliRun.raw("--dir", file.resolve("sub").toString(), "put", "t", "1"),
                "cannot use it as the region directory: " + file + " exists and is not a directory");
        for (String[] args : List.of(new String[] {"get", "t"}, new String[] {"inspect", "t"}, new String[] {"dump", "t"})) {
            expect(CliRun.raw(concat(List.of("--dir", file.toString()), args)),
                    file.resolve("t") + ": cannot open region t: " + file + " (or a directory above it) is not a directory");
        }
        expect(CliRun.raw("--dir", file.toString(), "ls"), file + ": the region directory is not a directory");
        expect(CliRun.raw("--dir", file.toString(), "rm", "t"), file + ": the region directory is not a directory");

        ProcessBuilder withEnv = new ProcessBuilder(ChildJvm.command(List.of(), List.of(), CliBatchMain.class, "put", "t", "1"));
        withEnv.environment().put("SHM4J_DIR", file.toString());
        try (ChildJvm child = ChildJvm.of(withEnv)) {
            assertThat(child.awaitLine("RESULT", TIMEOUT)).startsWith("RESULT 7 shm4j: " + file
                    + ": cannot use it as the region directory: it exists and is not a directory");
        }
    }

    @Test
    void permissionFailuresSayWhatFailedWhyAndWhatToDo() throws Exception {
        assertThat(CliRun.in(dir.path(), "put", "mine", "1").code()).isZero();
        assertThat(CliRun.in(dir.path(), "put", "secret", "2").code()).isZero();
        Path d = dir.path();
        Files.setPosixFilePermissions(d.resolve("secret"), PosixFilePermissions.fromString("---------"));
        Path input = Files.writeString(inputs.path().resolve("in.json"), "{}");
        Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            List<String> results = batch(List.of(
                    command("--dir", d.toString(), "put", "new", "1"),
                    command("--dir", d.toString(), "put", "secret", "3"),
                    command("--dir", d.toString(), "get", "secret"),
                    command("--dir", d.toString(), "inspect", "secret"),
                    command("--dir", d.toString(), "dump", "secret"),
                    command("--dir", d.toString(), "rm", "mine"),
                    command("--dir", d.resolve("sub/x").toString(), "put", "t", "1"),
                    command("--dir", d.toString(), "get", "mine"),
                    command("--dir", d.toString(), "put", "mine", "--file", input.toString())));
            assertThat(results.get(0)).startsWith("RESULT 7 shm4j: " + d.resolve("new")
                    + ": cannot create it: no write permission on the directory " + d + "; run as a user who may write there");
            assertThat(results.get(1)).startsWith("RESULT 7 shm4j: " + d.resolve("secret") + ": no write permission on region secret");
            assertThat(results.get(2)).startsWith("RESULT 7 shm4j: " + d.resolve("secret") + ": no read permission on region secret");
            assertThat(results.get(3)).startsWith("RESULT 7 shm4j: " + d.resolve("secret") + ": no read permission on region secret");
            assertThat(results.get(4)).startsWith("RESULT 7 shm4j: " + d.resolve("secret") + ": no read permission on region secret");
            assertThat(results.get(5)).startsWith("RESULT 7 shm4j: " + d.resolve("mine")
                    + ": cannot remove region mine: no write permission on the directory " + d);
            assertThat(results.get(6)).startsWith("RESULT 7 shm4j: " + d.resolve("sub/x")
                    + ": cannot create the region directory: no permission to create " + d.resolve("sub"));
            assertThat(results.get(7)).isEqualTo("RESULT 0 ");
            assertThat(results.get(8)).startsWith("RESULT 7 shm4j: " + input + ": no read permission on it; nothing was published");

            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("-wx-wx-wx"));
            assertThat(batch(List.of(command("--dir", d.toString(), "ls")))).singleElement().asString()
                    .startsWith("RESULT 7 shm4j: " + d + ": cannot list the region directory: no read permission on it");
        } finally {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        }
        try (var left = Files.list(d)) {
            assertThat(left.map(p -> p.getFileName().toString()).sorted())
                    .as("nothing created, nothing removed").containsExactly("mine", "mine~followers", "mine~sleepers", "secret", "secret~followers", "secret~sleepers");
        }
    }

    @Test
    void followersAndInspectListARegistryOnAReadOnlyMount() throws Exception {
        assertThat(CliRun.in(dir.path(), "put", "t", "1").code()).isZero();
        // A private mount namespace where dir is mounted again, read-only (needs CAP_SYS_ADMIN).
        List<String> readOnly = List.of("unshare", "-m", "sh", "-c", "mount -o bind,ro \"$0\" \"$0\" && exec \"$@\"",
                dir.path().toString());
        Process probe = new ProcessBuilder(concat(readOnly, new String[] {"true"})).redirectErrorStream(true).start();
        probe.getInputStream().transferTo(OutputStream.nullOutputStream());
        Assumptions.assumeTrue(probe.waitFor() == 0, "no read-only bind mount here (unshare -m needs CAP_SYS_ADMIN)");
        List<List<String>> commands = List.of(command("--dir", dir.path().toString(), "followers", "t"),
                command("--dir", dir.path().toString(), "inspect", "t"),
                command("--dir", dir.path().toString(), "put", "t", "2"));
        try (ChildJvm child = ChildJvm.start(readOnly, List.of(), CliBatchMain.class, CliBatchMain.args(commands))) {
            assertThat(child.awaitLine("RESULT", TIMEOUT)).isEqualTo("RESULT 0 ");
            assertThat(child.awaitLine("RESULT", TIMEOUT)).isEqualTo("RESULT 0 ");
            assertThat(child.awaitLine("RESULT", TIMEOUT)).startsWith("RESULT 7 shm4j: " + dir.path().resolve("t")
                    + ": cannot open region t for writing: " + dir.path() + " is on a read-only file system");
        }
    }

    /** As Python's CLI: serve keeps the last good version while its file cannot be read or looked up. */
    @Test
    void serveKeepsTheLastGoodVersionWhileTheFileCannotBeReadOrLookedUp() throws Exception {
        Path file = Files.writeString(inputs.path().resolve("conf.json"), "{\"v\":1}");
        ProcessBuilder serve = new ProcessBuilder(ChildJvm.command(boundByPermissions(), List.of(), Main.class,
                "--dir", dir.path().toString(), "serve", "s", "--file", file.toString())).redirectErrorStream(true);
        try (ChildJvm child = ChildJvm.of(serve)) {
            assertThat(child.nextLine(TIMEOUT)).isEqualTo("serving " + file + " as s: version 1");
            Files.setPosixFilePermissions(file, Set.of());
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis() + 60_000)); // a change it may not read
            assertThat(child.nextLine(TIMEOUT)).isEqualTo("shm4j: " + file + ": no read permission on it; version 1 stays published");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            Files.setPosixFilePermissions(inputs.path(), Set.of()); // nor look up: said once, not at every poll
            try {
                assertThat(child.nextLine(TIMEOUT)).isEqualTo("shm4j: " + file + ": cannot watch it: no permission to"
                        + " look it up (its directory " + inputs.path() + " must be searchable); version 1 stays published");
            } finally {
                Files.setPosixFilePermissions(inputs.path(), PosixFilePermissions.fromString("rwx------"));
            }
            Files.writeString(file, "{\"v\":2}");
            assertThat(child.nextLine(TIMEOUT)).isEqualTo("version 2");
            assertThat(child.process().isAlive()).isTrue();
        }
    }

    /** Runs {@code commands} in one child JVM bound by file permissions; its RESULT lines. */
    private static List<String> batch(List<List<String>> commands) throws Exception {
        try (ChildJvm child = ChildJvm.start(boundByPermissions(), List.of(), CliBatchMain.class, CliBatchMain.args(commands))) {
            List<String> results = new ArrayList<>();
            for (int i = 0; i < commands.size(); i++) {
                results.add(child.awaitLine("RESULT", TIMEOUT));
            }
            for (String r : results) {
                assertThat(r).doesNotContain("internal error").doesNotContain(" | "); // one line each
            }
            return results;
        }
    }

    /** The prefix that runs a child bound by file permissions: as root, without the capabilities that bypass them. */
    private static List<String> boundByPermissions() throws Exception {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        return uid == 0 ? List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--") : List.of();
    }

    private static void expect(CliRun r, String says) {
        assertThat(r.code()).as(r.err()).isEqualTo(ExitCodes.IO_ERROR);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("shm4j: ").contains(says);
    }

    private static String[] concat(List<String> first, String[] rest) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
