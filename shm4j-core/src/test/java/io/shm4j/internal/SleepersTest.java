package io.shm4j.internal;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.TestDirectory;
import io.shm4j.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sleepers file (FORMAT.md 3.3): its bytes, its creation, and what happens without it. */
class SleepersTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void createdWholeWithMagicVersionAndAZeroCount() throws IOException {
        Path region = dir.path().resolve("cfg");
        Sleepers sleepers = Sleepers.open(region, dir.options());

        Path file = dir.path().resolve("cfg~sleepers");
        assertThat(sleepers.file()).isEqualTo(file);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.capacity()).isEqualTo(SleepersDescriptor.FILE_LENGTH);
        assertThat(new String(Files.readAllBytes(file), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SHM4JSLP");
        assertThat(bytes.getInt(SleepersDescriptor.FORMAT_VERSION_OFFSET)).isEqualTo(1);
        assertThat(bytes.getInt(SleepersDescriptor.SLEEPERS_OFFSET)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var helpers = Files.list(dir.path())) {
            assertThat(helpers.map(p -> p.getFileName().toString())).containsExactly("cfg~sleepers");
        }
    }

    @Test
    void groupReadableRegionsGetAGroupWritableSleepersFile() throws IOException {
        Sleepers.open(dir.path().resolve("shared"), dir.options().withFileMode(ShmOptions.FileMode.GROUP_READ));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path().resolve("shared~sleepers"))))
                .isEqualTo("rw-rw----");
    }

    @Test
    void registrationsOfEveryOpenerMeetInTheFile() throws IOException {
        Path region = dir.path().resolve("cfg");
        Sleepers a = Sleepers.open(region, dir.options());
        Sleepers b = Sleepers.open(region, dir.options());

        a.register();
        b.register();
        b.register();
        a.unregister();

        assertThat(a.countVolatile()).isEqualTo(2);
        assertThat(ByteBuffer.wrap(Files.readAllBytes(a.file())).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(SleepersDescriptor.SLEEPERS_OFFSET)).isEqualTo(2);
    }

    @Test
    void aFileOfAnotherSizeOrMagicIsRefusedWithWhatToDo() throws IOException {
        Path region = dir.path().resolve("cfg");
        Files.write(dir.path().resolve("cfg~sleepers"), new byte[10]);
        assertThatThrownBy(() -> Sleepers.open(region, dir.options()))
                .isInstanceOf(IOException.class).hasMessageContaining("cfg~sleepers is 10 bytes").hasMessageContaining("remove it");

        Files.write(dir.path().resolve("cfg~sleepers"), new byte[SleepersDescriptor.FILE_LENGTH]);
        assertThatThrownBy(() -> Sleepers.open(region, dir.options()))
                .isInstanceOf(IOException.class).hasMessageContaining("not a shm4j sleepers file");
        assertThat(Sleepers.openOrNull(region, dir.options(), "polling")).isNull();
    }

    @Test
    void signalSkipsTheWakeWhileNobodySleepsAndWakesOtherwise() throws IOException {
        Sleepers sleepers = Sleepers.open(dir.path().resolve("cfg"), dir.options());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(ObjectRegionDescriptor.HEADER_LENGTH, 64);

            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, sleepers).signal()).isFalse();
            sleepers.register();
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, sleepers).signal()).isTrue();
            sleepers.unregister();
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, null).signal()).isTrue();
            assertThat(header.get(java.lang.foreign.ValueLayout.JAVA_INT, ObjectRegionDescriptor.NOTIFY_OFFSET)).isEqualTo(3);
        }
    }

    @Test
    void withAnUnusableSleepersFileFollowersPollAndMastersStillReachThem() throws Exception {
        Files.write(dir.path().resolve("cfg~sleepers"), new byte[3]);
        ShmOptions blocking = dir.options().withWaitStrategy(WaitStrategy.BLOCK);
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), blocking);
             SharedObjectFollower<String> follower = SharedObject.follower("cfg", ObjectCodecs.text(), blocking)) {
            master.publish("one");
            assertThat(follower.waitStrategy()).isEqualTo(WaitStrategy.BACKOFF);
            CompletableFuture<Optional<Snapshot>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return follower.awaitNewer(1, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(50);

            master.publish("two");

            assertThat(next.get(30, TimeUnit.SECONDS)).get().extracting(Snapshot::version).isEqualTo(2L);
        }
    }

    @Test
    void waitingFollowersCountThemselvesOnlyWhileTheyWait() throws Exception {
        ShmOptions blocking = dir.options().withWaitStrategy(WaitStrategy.BLOCK);
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), blocking);
             SharedObjectFollower<String> follower = SharedObject.follower("cfg", ObjectCodecs.text(), blocking)) {
            master.publish("one");
            Sleepers sleepers = Sleepers.open(dir.path().resolve("cfg"), dir.options());
            CompletableFuture<Optional<Snapshot>> next = CompletableFuture.supplyAsync(() -> {
                try {
                    return follower.awaitNewer(1, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sleepers.countVolatile() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(sleepers.countVolatile()).isEqualTo(1);

            master.publish("two");

            assertThat(next.get(30, TimeUnit.SECONDS)).isPresent();
            assertThat(sleepers.countVolatile()).isZero();
        }
    }
}
