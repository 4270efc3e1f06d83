package io.shm4j.cli;

import io.shm4j.SpecialFilesTest;
import io.shm4j.SpecialFilesTest.Kind;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The CLI on a tag whose file is not a regular file (a FIFO, a socket, a directory, links):
 * every command answers at once, exit 7 with one line saying what the file is; {@code ls} lists
 * no such file; {@code rm} removes a link itself, never its target, and refuses a directory.
 */
class SpecialFilesCommandsTest {
    /** Generous: a refusal takes milliseconds; an open blocked on a FIFO never ends. */
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @RegisterExtension
    final TestDirectory outside = TestDirectory.create();

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyCommandRefusesItAtOnceSayingWhatItIs(Kind kind) throws Exception {
        Path target = SpecialFilesTest.make(kind, dir.path(), "odd", outside.path());
        byte[] before = target != null && Files.isRegularFile(target) ? Files.readAllBytes(target) : null;
        String says = "shm4j: " + dir.path().resolve("odd") + ": region odd " + kind.says;
        for (List<String> args : List.of(List.of("get", "odd"), List.of("get", "odd", "--meta"), List.of("inspect", "odd"),
                List.of("dump", "odd"), List.of("put", "odd", "1"), List.of("watch", "odd"))) {
            CliRun r = assertTimeoutPreemptively(DEADLINE, () -> CliRun.in(dir.path(), args.toArray(String[]::new)),
                    String.join(" ", args));
            assertThat(r.code()).as("%s: %s", args, r.err()).isEqualTo(ExitCodes.IO_ERROR);
            assertThat(r.errLines()).as("%s", args).hasSize(1);
            assertThat(r.err()).as("%s", args).startsWith(says);
        }
        CliRun ls = assertTimeoutPreemptively(DEADLINE, () -> CliRun.in(dir.path(), "ls"));
        assertThat(ls.code()).isZero();
        assertThat(ls.out()).startsWith("no regions in");
        if (before != null) {
            assertThat(Files.readAllBytes(target)).as("the link's target, untouched").isEqualTo(before);
        }

        CliRun rm = CliRun.in(dir.path(), "rm", "odd");
        if (kind == Kind.DIRECTORY) {
            assertThat(rm.code()).isEqualTo(ExitCodes.IO_ERROR);
            assertThat(rm.err()).startsWith("shm4j: " + dir.path().resolve("odd") + ": region odd is a directory, not a region file");
            assertThat(dir.path().resolve("odd")).isDirectory();
        } else {
            assertThat(rm.code()).as(rm.err()).isZero();
            assertThat(Files.exists(dir.path().resolve("odd"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            if (target != null && kind != Kind.DANGLING_LINK) {
                assertThat(Files.exists(target, LinkOption.NOFOLLOW_LINKS)).as("the link's target stays").isTrue();
            }
        }
    }
}
