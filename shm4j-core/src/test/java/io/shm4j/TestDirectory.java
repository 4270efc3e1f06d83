package io.shm4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** A private region directory for one test, on /dev/shm where it exists; removed with its files on close. */
public final class TestDirectory implements AutoCloseable {
    private final Path path;

    public TestDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        path = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "shm4j-test-") : Files.createTempDirectory("shm4j-test-");
    }

    public Path path() {
        return path;
    }

    public ShmOptions options() {
        return ShmOptions.defaults().withDirectory(path);
    }

    @Override
    public void close() throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
