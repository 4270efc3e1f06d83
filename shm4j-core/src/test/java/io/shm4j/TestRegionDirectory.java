package io.shm4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh region directory under {@code /dev/shm} (or the temp dir where there is none) for one
 * test; {@link #close()} deletes it with everything in it.
 */
public final class TestRegionDirectory implements AutoCloseable {
    private final Path path;

    public TestRegionDirectory() throws IOException {
        Path devShm = Path.of("/dev/shm");
        path = Files.isDirectory(devShm) ? Files.createTempDirectory(devShm, "shm4j-test-")
                : Files.createTempDirectory("shm4j-test-");
    }

    public Path path() {
        return path;
    }

    /** Default options pointing at this directory. */
    public ShmOptions options() {
        return ShmOptions.defaults().withDirectory(path);
    }

    @Override
    public void close() throws IOException {
        try (Stream<Path> all = Files.walk(path)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
