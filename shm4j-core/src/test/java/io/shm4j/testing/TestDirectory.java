package io.shm4j.testing;

import io.shm4j.ShmOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A private region directory for one test, on /dev/shm where it exists; removed with its files on
 * close. Use it with try-with-resources, or per test method as
 * {@code @RegisterExtension final TestDirectory dir = TestDirectory.create();}.
 */
public final class TestDirectory implements AutoCloseable, AfterEachCallback {
    private final Path path;

    public TestDirectory() throws IOException {
        Path shm = Path.of("/dev/shm");
        path = Files.isDirectory(shm) ? Files.createTempDirectory(shm, "shm4j-test-") : Files.createTempDirectory("shm4j-test-");
    }

    /** A new directory, for a field initializer. */
    public static TestDirectory create() {
        try {
            return new TestDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    public Path path() {
        return path;
    }

    public ShmOptions options() {
        return ShmOptions.defaults().withDirectory(path);
    }

    /** Runs {@code edit} on a read-write mapping of {@code tag}'s file here, as stray stores would. */
    public void edit(String tag, Consumer<MemorySegment> edit) {
        edit(path.resolve(tag), edit);
    }

    /** Runs {@code edit} on a read-write mapping of the whole of {@code file}. */
    public static void edit(Path file, Consumer<MemorySegment> edit) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            edit.accept(ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + file, e);
        }
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
