package io.shm4j.internal;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.ShmOptions;
import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * NativeFiles makes each downcall handle on first use (each costs milliseconds of start-up, e.g.
 * in every {@code shm4j get}): a fresh JVM that only follows a region makes open and close, not
 * fcntl (the master lock) nor the errno accessor (read only after a failed call).
 */
class NativeFilesStartupTest {
    private static final String FCNTL = "Initializing 'io/shm4j/internal/NativeFiles$Native$Fcntl'";
    private static final String OPEN = "Initializing 'io/shm4j/internal/NativeFiles$Native$Open'";
    private static final String ERRNO = "Initializing 'io/shm4j/internal/NativeFiles$Native$ErrnoField'";

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    /** Follows (args: DIR TAG) or publishes (DIR TAG master) one object; prints its payload. */
    public static final class Peer {
        public static void main(String[] args) throws Exception {
            ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[0]));
            if (args.length > 2) {
                try (var master = SharedObject.master(args[1], ObjectCodecs.text(), options)) {
                    master.publish("mastered");
                    System.out.println("published");
                }
                return;
            }
            try (var follower = SharedObject.follower(args[1], ObjectCodecs.text(), options)) {
                System.out.println("read " + follower.get());
            }
        }
    }

    private static List<String> run(String... args) throws Exception {
        return ChildJvm.runLoggingClassInit(Peer.class, args);
    }

    @Test
    void aFollowerMakesNeitherTheLockCallNorTheErrnoAccessor() throws Exception {
        try (var master = SharedObject.master("t", ObjectCodecs.text(), dir.options())) {
            master.publish("hello");
            List<String> lines = run(dir.path().toString(), "t");
            assertThat(lines).contains("read hello");
            assertThat(lines).anyMatch(l -> l.contains(OPEN)); // the probe sees NativeFiles' classes
            assertThat(lines).noneMatch(l -> l.contains(FCNTL) || l.contains(ERRNO));
        }
    }

    @Test
    void aMasterMakesTheLockCall() throws Exception {
        List<String> lines = run(dir.path().toString(), "m", "master");
        assertThat(lines).contains("published");
        assertThat(lines).anyMatch(l -> l.contains(FCNTL));
    }
}
