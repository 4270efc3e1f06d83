package io.shm4j;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

/** WRITE, READ and COPY across two real JVMs sharing one named region. */
class CrossProcessRegionTest {
    private static final Duration TIMEOUT = ChildJvm.START;

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /**
     * Child main: {@code <dir> <tag> <mode>}, then commands on stdin, one per line:
     * {@code put OFFSET TEXT}, {@code get OFFSET LENGTH}, {@code exit}. Prints one reply per
     * command: {@code ok}, the text read, or {@code error <ExceptionClass> <message>}.
     */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            ShmOptions opts = ShmOptions.defaults().withDirectory(Path.of(args[0]));
            try (MappedRegion m = MappedRegion.open(args[1], AccessMode.valueOf(args[2]), opts);
                 BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                System.out.println("ready " + m.length());
                for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
                    String[] cmd = line.split(" ", 3);
                    try {
                        switch (cmd[0]) {
                            case "put" -> {
                                m.put(Long.parseLong(cmd[1]), cmd[2].getBytes(US_ASCII));
                                System.out.println("ok");
                            }
                            case "get" -> System.out.println(new String(
                                    m.get(Long.parseLong(cmd[1]), Integer.parseInt(cmd[2])), US_ASCII));
                            default -> System.out.println("error unknown command " + line);
                        }
                    } catch (RuntimeException e) {
                        System.out.println("error " + e.getClass().getSimpleName() + " " + e.getMessage());
                    }
                }
            }
        }
    }

    private ChildJvm child(String tag, AccessMode mode) throws IOException, InterruptedException {
        ChildJvm c = ChildJvm.start(Child.class, dir.path().toString(), tag, mode.name());
        assertThat(c.awaitLine("ready", TIMEOUT)).startsWith("ready ");
        return c;
    }

    private static String ask(ChildJvm c, String command) throws IOException, InterruptedException {
        c.process().getOutputStream().write((command + "\n").getBytes(US_ASCII));
        c.process().getOutputStream().flush();
        return c.nextLine(TIMEOUT);
    }

    private static void exit(ChildJvm c) throws IOException, InterruptedException {
        c.process().getOutputStream().write("exit\n".getBytes(US_ASCII));
        c.process().getOutputStream().flush();
        assertThat(c.waitFor(TIMEOUT)).isZero();
    }

    @Test
    void writeIsVisibleToAReadFollowerInAnotherProcess() throws Exception {
        try (MappedRegion writer = MappedRegion.create("shared", 64, dir.options());
             ChildJvm follower = child("shared", AccessMode.READ)) {
            writer.put(0, "hello".getBytes(US_ASCII));
            assertThat(ask(follower, "get 0 5")).isEqualTo("hello");
            writer.put(0, "world".getBytes(US_ASCII));
            assertThat(ask(follower, "get 0 5")).isEqualTo("world");
            assertThat(ask(follower, "put 0 nope")).startsWith("error ReadOnlyRegionException region shared is read-only");
            assertThat(writer.get(0, 5)).isEqualTo("world".getBytes(US_ASCII));
            exit(follower);
        }
    }

    @Test
    void writeInAnotherProcessIsVisibleHere() throws Exception {
        try (MappedRegion reader = MappedRegion.create("shared", 64, dir.options());
             ChildJvm other = child("shared", AccessMode.WRITE)) {
            assertThat(ask(other, "put 10 from-child")).isEqualTo("ok");
            assertThat(reader.get(10, 10)).isEqualTo("from-child".getBytes(US_ASCII));
        }
    }

    @Test
    void copyWritesStayInTheCopyingProcess() throws Exception {
        try (MappedRegion owner = MappedRegion.create("shared", 64, dir.options())) {
            owner.put(0, "original".getBytes(US_ASCII));
            try (ChildJvm copier = child("shared", AccessMode.COPY);
                 ChildJvm follower = child("shared", AccessMode.READ)) {
                assertThat(ask(copier, "put 0 private!")).isEqualTo("ok");
                assertThat(ask(copier, "get 0 8")).isEqualTo("private!");
                assertThat(ask(follower, "get 0 8")).isEqualTo("original");
                assertThat(owner.get(0, 8)).isEqualTo("original".getBytes(US_ASCII));
                exit(copier);
            }
            byte[] file = Files.readAllBytes(dir.path().resolve("shared"));
            assertThat(new String(file, 0, 8, US_ASCII)).isEqualTo("original");
        }
    }
}
