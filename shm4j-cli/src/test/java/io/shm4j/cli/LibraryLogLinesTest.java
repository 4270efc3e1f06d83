package io.shm4j.cli;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The library's log records on the CLI's stderr (docs/CLI.md, "Errors and exit codes"): its
 * notices (INFO) only with --verbose, a warning as one line {@code shm4j: warning: ...}, never
 * java.util.logging's two-line records. Real CLI processes, stderr read with stdout.
 */
class LibraryLogLinesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** {@code shm4j --dir DIR args...} in a new JVM, its stderr among its stdout lines. */
    private ProcessBuilder cli(String... args) {
        List<String> all = new ArrayList<>(List.of("--dir", dir.path().toString()));
        all.addAll(List.of(args));
        return new ProcessBuilder(ChildJvm.command(List.of(), List.of(), Main.class, all.toArray(String[]::new)))
                .redirectErrorStream(true);
    }

    /** The lines of a command run to its end; asserts its exit code. */
    private List<String> lines(int code, String... args) throws Exception {
        Process p = cli(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(String.join("\n", lines)).isEqualTo(code);
            return lines;
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void anUnusableFollowerRegistryIsANoticeShownOnlyWithVerbose() throws Exception {
        assertThat(CliRun.in(dir.path(), "put", "t", "{\"a\":1}").code()).isZero();
        Path registry = dir.path().resolve("t~followers");
        Files.writeString(registry, "garbage");

        assertThat(lines(0, "get", "t")).containsExactly("{\"a\":1}");
        assertThat(lines(0, "watch", "t", "--count", "1")).containsExactly("{\"tag\":\"t\",\"version\":1,\"value\":{\"a\":1}}");
        for (List<String> args : List.of(List.of("--verbose", "get", "t"), List.of("get", "t", "--verbose"))) {
            List<String> verbose = lines(0, args.toArray(String[]::new));
            assertThat(verbose).as(args.toString()).hasSize(2).contains("{\"a\":1}");
            assertThat(verbose).as(args.toString()).anySatisfy(line -> assertThat(line)
                    .startsWith("shm4j: info: cannot register in " + registry + " (java.io.IOException: " + registry
                            + " is 7 bytes, not a shm4j follower registry"));
        }
    }

    @Test
    void aWarningIsOneLine() throws Exception {
        Path file = Files.writeString(dir.path().resolve("served.json"), "1");
        Path region = dir.path().resolve("t");
        try (ChildJvm serve = ChildJvm.of(cli("serve", "t", "--file", file.toString()))) {
            assertThat(serve.nextLine(TIMEOUT)).startsWith("serving ");
            try (FileChannel ch = FileChannel.open(region, StandardOpenOption.WRITE)) {
                ch.truncate(100); // another program's truncate: the master's next publish moves the region
            }
            Files.writeString(file, "2");
            assertThat(serve.nextLine(TIMEOUT)).isEqualTo("shm4j: warning: region t (" + region
                    + "): the file shrank to 100 bytes under this process (its header says 8320); moved the region"
                    + " to a new file holding version 2");
            assertThat(serve.nextLine(TIMEOUT)).isEqualTo("version 2");
        }
    }
}
