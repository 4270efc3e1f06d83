package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static java.net.StandardProtocolFamily.UNIX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * A tag whose file is not a regular file is refused at once, by every way of opening it, with a
 * message saying what it is (FORMAT.md section 1): a FIFO would block an open forever, and a
 * symbolic link would send a master's writes (or a follower's reads) to any file. A master
 * refused on a link writes nothing into the link's target.
 */
public class SpecialFilesTest {
    /** Generous: a refusal takes milliseconds; an open blocked on a FIFO never ends. */
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @RegisterExtension
    final TestDirectory outside = TestDirectory.create();

    public enum Kind {
        FIFO("is a FIFO (named pipe), not a regular file"),
        SOCKET("is a socket, not a regular file"),
        DIRECTORY("is a directory, not a regular file"),
        LINK_TO_A_REGION_OUTSIDE("is a symbolic link; shm4j never follows links"),
        LINK_TO_A_FIFO("is a symbolic link; shm4j never follows links"),
        DANGLING_LINK("is a symbolic link; shm4j never follows links");

        public final String says;

        Kind(String says) {
            this.says = says;
        }
    }

    /** Makes {@code dir/tag} a {@code kind}; returns the file a link points to, else null. */
    public static Path make(Kind kind, Path dir, String tag, Path outside) throws Exception {
        Path file = dir.resolve(tag);
        switch (kind) {
            case FIFO -> mkfifo(file);
            case SOCKET -> {
                try (ServerSocketChannel server = ServerSocketChannel.open(UNIX)) {
                    server.bind(UnixDomainSocketAddress.of(file)); // the socket file stays after close
                }
            }
            case DIRECTORY -> Files.createDirectory(file);
            case LINK_TO_A_REGION_OUTSIDE -> {
                Path target = outside.resolve("victim");
                try (SharedObjectMaster<Object> m = SharedObject.master("victim",
                        ShmOptions.defaults().withDirectory(outside))) {
                    m.publish("outside");
                }
                Files.createSymbolicLink(file, target);
                return target;
            }
            case LINK_TO_A_FIFO -> {
                Path target = outside.resolve("fifo");
                mkfifo(target);
                Files.createSymbolicLink(file, target);
                return target;
            }
            case DANGLING_LINK -> {
                Files.createSymbolicLink(file, outside.resolve("nothing"));
                return outside.resolve("nothing");
            }
        }
        return null;
    }

    static void mkfifo(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", file.toString()).inheritIO().start();
        assertThat(p.waitFor()).as("mkfifo " + file).isZero();
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void everyWayOfOpeningATagRefusesWhatIsNotARegularFileAtOnce(Kind kind) throws Exception {
        Path target = make(kind, dir.path(), "odd", outside.path());
        byte[] targetBefore = target != null && Files.isRegularFile(target) ? Files.readAllBytes(target) : null;
        ShmOptions options = dir.options();
        Map<String, Opening> ways = new LinkedHashMap<>();
        ways.put("a follower", () -> SharedObject.follower("odd", Object.class, options).get());
        ways.put("a master", () -> SharedObject.master("odd", options).close());
        ways.put("loadOnce", () -> SharedObject.loadOnce("odd", ObjectCodecs.forType(Object.class), options, () -> "new"));
        for (AccessMode mode : AccessMode.values()) {
            ways.put("MappedRegion.open " + mode, () -> MappedRegion.open("odd", mode, options).close());
        }
        ways.put("MappedRegion.openOrCreate", () -> MappedRegion.openOrCreate("odd", 64, AccessMode.WRITE, options).close());
        for (Map.Entry<String, Opening> way : ways.entrySet()) {
            assertTimeoutPreemptively(DEADLINE, () -> assertThatThrownBy(way.getValue()::open)
                    .as("%s of a tag that %s", way.getKey(), kind.says)
                    .isInstanceOf(FileSystemException.class)
                    .isNotInstanceOf(NoSuchFileException.class)
                    .hasMessageContaining(dir.path().resolve("odd").toString())
                    .hasMessageContaining("region odd " + kind.says), way.getKey());
        }
        if (targetBefore != null) {
            assertThat(Files.readAllBytes(target)).as("the link's target, untouched").isEqualTo(targetBefore);
        }
        assertThat(Files.exists(outside.path().resolve("nothing"))).as("nothing created through a dangling link").isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"FIFO", "SOCKET", "DIRECTORY"})
    void mappingAPathThatIsNotARegularFileIsRefusedAtOnce(Kind kind) throws Exception {
        make(kind, dir.path(), "odd", outside.path());
        Path file = dir.path().resolve("odd");
        assertTimeoutPreemptively(DEADLINE, () -> assertThatThrownBy(() -> MappedRegion.map(file, 0, AccessMode.READ))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("file " + file + " " + kind.says));
    }

    @FunctionalInterface
    interface Opening {
        void open() throws Exception;
    }
}
