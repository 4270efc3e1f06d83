package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A tag's follower registry ({@code TAG~followers}) or legacy sleepers file ({@code TAG~sleepers})
 * truncated under a master and a follower (FORMAT.md 3.3, 3.5, 5.6): no {@link Error} reaches the
 * caller, the master keeps publishing into its region file, the follower keeps reading, and the
 * region file is neither blamed nor replaced.
 */
class HelperFileShrinkTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @ParameterizedTest
    @ValueSource(strings = {"~followers", "~sleepers"})
    void theMasterKeepsPublishingInItsFileAndTheFollowerKeepsReading(String helper) throws Exception {
        Path region = dir.path().resolve("t");
        try (var master = SharedObject.master("t", ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            Object regionFile = key(region);
            var follower = SharedObject.follower("t", ObjectCodecs.text(), dir.options());
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(follower.get()).isEqualTo("one");
            assertThat(follower.readNewer(buffer)).isTrue();
            truncate(dir.path().resolve("t" + helper));
            for (long v = 2; v <= 4; v++) {
                assertThat(master.publish("v" + v)).isEqualTo(v);
                assertThat(follower.get()).isEqualTo("v" + v);
                assertThat(follower.readNewer(buffer)).isTrue();
                assertThat(buffer.version()).isEqualTo(v);
                assertThat(follower.snapshot().version()).isEqualTo(v);
                assertThat(follower.awaitNewer(v - 1, Duration.ofSeconds(60))).map(Snapshot::version).contains(v);
            }
            follower.close();
            assertThat(key(region)).as("the region stays in its file").isEqualTo(regionFile);
            assertThat(master.publish("v5")).isEqualTo(5);
        }
    }

    @Test
    void followersOfAMasterWhoseRegistryShrankSayWhichFileAndWhatToDo() throws Exception {
        try (var master = SharedObject.master("t", ObjectCodecs.text(), dir.options());
             var follower = SharedObject.follower("t", ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            assertThat(follower.get()).isEqualTo("one");
            assertThat(master.followers()).hasSize(1);
            Path registry = dir.path().resolve("t~followers");
            truncate(registry);
            assertThatThrownBy(master::followers).isInstanceOf(RegionShrunkException.class)
                    .hasMessageContaining(registry.toString())
                    .hasMessageContaining("shrank to 0 bytes")
                    .hasMessageContaining("remove it");
            assertThatThrownBy(() -> master.awaitSeen(1, Duration.ofSeconds(1))).isInstanceOf(RegionShrunkException.class)
                    .hasMessageContaining(registry.toString());
            assertThatThrownBy(() -> SharedObject.followers("t", dir.options())).as("as an operator sees it")
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(registry + " is 0 bytes, not a shm4j follower registry; remove it");
            assertThat(master.publish("two")).isEqualTo(2);
            assertThat(follower.get()).isEqualTo("two");
        }
    }

    private static void truncate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }

    private static Object key(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }
}
