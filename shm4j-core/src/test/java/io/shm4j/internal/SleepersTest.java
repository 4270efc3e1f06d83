package io.shm4j.internal;

import io.shm4j.testing.Registered;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.testing.TestDirectory;
import io.shm4j.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The legacy sleepers file (FORMAT.md 3.5): its bytes, its creation, old processes beside new ones, and what happens without it. */
class SleepersTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void createdWholeWithMagicVersionAndAZeroCount() throws IOException {
        Path region = dir.path().resolve("cfg");
        Sleepers sleepers = Sleepers.open(region, dir.options(), true);

        Path file = dir.path().resolve("cfg~sleepers");
        assertThat(sleepers.file()).isEqualTo(file);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.capacity()).isEqualTo(SleepersDescriptor.FILE_LENGTH);
        assertThat(new String(Files.readAllBytes(file), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SHM4JSLP");
        assertThat(bytes.getInt(SleepersDescriptor.FORMAT_VERSION_OFFSET)).isEqualTo(SleepersDescriptor.REGISTRY_FORMAT_VERSION);
        assertThat(bytes.getInt(SleepersDescriptor.SLEEPERS_OFFSET)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var helpers = Files.list(dir.path())) {
            assertThat(helpers.map(p -> p.getFileName().toString())).containsExactly("cfg~sleepers");
        }
    }

    @Test
    void groupReadableRegionsGetAGroupWritableSleepersFile() throws IOException {
        Sleepers.open(dir.path().resolve("shared"), dir.options().withFileMode(ShmOptions.FileMode.GROUP_READ), true);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path().resolve("shared~sleepers"))))
                .isEqualTo("rw-rw----");
    }

    @Test
    void aFileOfAnotherSizeOrMagicIsRefusedWithWhatToDo() throws IOException {
        Path region = dir.path().resolve("cfg");
        Files.write(dir.path().resolve("cfg~sleepers"), new byte[10]);
        assertThatThrownBy(() -> Sleepers.open(region, dir.options(), true))
                .isInstanceOf(IOException.class).hasMessageContaining("cfg~sleepers is 10 bytes").hasMessageContaining("remove it");

        Files.write(dir.path().resolve("cfg~sleepers"), new byte[SleepersDescriptor.FILE_LENGTH]);
        assertThatThrownBy(() -> Sleepers.open(region, dir.options(), true))
                .isInstanceOf(IOException.class).hasMessageContaining("not a shm4j sleepers file");
        assertThat(Sleepers.openOrNull(region, dir.options(), false, "polling")).isNull();
    }

    @Test
    void signalSkipsTheWakeWhileNobodySleepsAndWakesOtherwise() throws IOException {
        Path region = dir.path().resolve("cfg");
        MasterWakeups wakeups = Registered.wakeups(region, dir.options());
        FollowerRegistry.Entry entry = Registered.entry(region, dir.options());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = arena.allocate(ObjectRegionDescriptor.HEADER_LENGTH, 64);

            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, wakeups).signal()).isFalse();
            entry.asleep();
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, wakeups).signal()).isTrue();
            entry.awake();
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, wakeups).signal()).isFalse();
            oldFollowerAdds(region, 1);
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, wakeups).signal()).as("an old follower counted").isTrue();
            oldFollowerAdds(region, -1);
            assertThat(new Notifier(header, ObjectRegionDescriptor.NOTIFY_OFFSET, null).signal()).isTrue();
            assertThat(header.get(java.lang.foreign.ValueLayout.JAVA_INT, ObjectRegionDescriptor.NOTIFY_OFFSET)).isEqualTo(5);
        }
    }

    /** What a follower of a shm4j version before the registry does around its kernel waits. */
    private void oldFollowerAdds(Path region, int delta) throws IOException {
        try (FileChannel ch = FileChannel.open(Sleepers.fileOf(region), StandardOpenOption.READ, StandardOpenOption.WRITE);
             Arena arena = Arena.ofConfined()) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, SleepersDescriptor.FILE_LENGTH, arena);
            java.lang.foreign.ValueLayout.JAVA_INT.varHandle().getAndAdd(seg, (long) SleepersDescriptor.SLEEPERS_OFFSET, delta);
        }
    }

    @Test
    void aNewMasterMarksAnOldSleepersFileAndNewFollowersPollBesideAnOldMaster() throws Exception {
        Path region = dir.path().resolve("cfg");
        ByteBuffer old = ByteBuffer.allocate(SleepersDescriptor.FILE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        old.put(SleepersDescriptor.MAGIC).putInt(SleepersDescriptor.FORMAT_VERSION);
        Files.write(Sleepers.fileOf(region), old.array());
        Sleepers seenByFollower = Registered.legacy(region, dir.options());
        assertThat(seenByFollower.oldMasterMayPublish()).isTrue();
        ShmOptions blocking = dir.options().withWaitStrategy(WaitStrategy.BLOCK);
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), blocking)) {
            assertThat(seenByFollower.oldMasterMayPublish()).as("marked in place, same file").isFalse();
            assertThat(ByteBuffer.wrap(Files.readAllBytes(Sleepers.fileOf(region))).order(ByteOrder.LITTLE_ENDIAN)
                    .getInt(SleepersDescriptor.FORMAT_VERSION_OFFSET)).isEqualTo(SleepersDescriptor.REGISTRY_FORMAT_VERSION);
            master.publish("one");
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
}
