package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Running out of space while a region is created or grown is an {@link IOException} naming the
 * directory and the size, and leaves no partial file. Space runs out for real: the child JVM runs
 * under {@code ulimit -f} (a file size limit; the JVM ignores SIGXFSZ, so the write fails with
 * EFBIG exactly where a full tmpfs fails with ENOSPC).
 */
class RegionSpaceReservationTest {
    private static final long TOO_BIG = 8L << 20;

    /** Child: {@code <dir>}; creates a region too big for the limit, then grows a small one past it. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            ShmOptions opts = ShmOptions.defaults().withDirectory(Path.of(args[0]));
            try {
                MappedRegion.create("big", TOO_BIG, opts).close();
                System.out.println("create: no error");
            } catch (IOException e) {
                System.out.println("create: " + e.getMessage());
            }
            try (MappedRegion small = MappedRegion.create("small", 4, opts)) {
                small.put(0, "keep".getBytes(StandardCharsets.US_ASCII));
                try {
                    small.resize(TOO_BIG);
                    System.out.println("resize: no error");
                } catch (IOException e) {
                    System.out.println("resize: " + e.getMessage());
                }
                System.out.println("after: length " + small.length() + " "
                        + new String(small.get(0, 4), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void runningOutOfSpaceIsAnIOExceptionNamingDirectoryAndSize() throws Exception {
        try (TestDirectory dir = new TestDirectory()) {
            String java = ProcessHandle.current().info().command().orElseThrow();
            String cmd = "ulimit -f 2048 && exec \"$0\" -XX:+UseSerialGC -cp \"$1\" \"$2\" \"$3\"";
            Process p = new ProcessBuilder("sh", "-c", cmd, java, System.getProperty("java.class.path"),
                    Child.class.getName(), dir.path().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out.lines()).hasSize(3);
            assertThat(out.lines().toList().get(0))
                    .startsWith("create: cannot reserve " + TOO_BIG + " bytes for " + dir.path().resolve("big~new."))
                    .contains(" in " + dir.path() + " (");
            assertThat(out.lines().toList().get(1))
                    .startsWith("resize: cannot reserve " + TOO_BIG + " bytes for " + dir.path().resolve("small"));
            assertThat(out.lines().toList().get(2)).isEqualTo("after: length 4 keep");
            try (var files = Files.list(dir.path())) {
                assertThat(files.map(f -> f.getFileName().toString())).containsExactly("small");
            }
        }
    }
}
