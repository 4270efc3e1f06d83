package io.shm4j;

import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.FollowerRegistry;
import io.shm4j.internal.FollowerRegistryDescriptor;
import io.shm4j.internal.Futex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The follower registry in one JVM (FORMAT.md 3.3), the library's list and delete, waiting for creation. */
class FollowerRegistryTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private ShmOptions named(String name) {
        return dir.options().withFollowerName(name);
    }

    @Test
    void followersAreListedWithNameVersionAndLagAndLeaveWhenClosed() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            try (SharedObjectFollower<String> a = SharedObject.follower("cfg", ObjectCodecs.text(), named("billing-worker"));
                 SharedObjectFollower<String> b = SharedObject.follower("cfg", ObjectCodecs.text(), named("é 中"))) {
                assertThat(a.get()).isEqualTo("one");
                List<FollowerInfo> list = master.followers();
                assertThat(list).extracting(FollowerInfo::name).containsExactly("billing-worker", "é 中");
                assertThat(list).allSatisfy(f -> {
                    assertThat(f.pid()).isEqualTo(ProcessHandle.current().pid());
                    assertThat(f.alive()).isTrue();
                    assertThat(f.language()).isEqualTo("java");
                    assertThat(f.waiting()).isEqualTo(FollowerInfo.Waiting.NO);
                });
                assertThat(list.get(0).versionSeen()).isEqualTo(1);
                assertThat(list.get(0).seenAt()).isNotNull();
                assertThat(list.get(1).versionSeen()).as("b has read nothing").isZero();
                assertThat(list.get(1).lagVersions()).isEqualTo(1);

                long v2 = master.publish("two");
                assertThat(master.awaitSeen(v2, Duration.ofMillis(50))).extracting(FollowerInfo::name)
                        .containsExactlyInAnyOrder("billing-worker", "é 中");
                CompletableFuture<List<FollowerInfo>> rollout = CompletableFuture.supplyAsync(() -> {
                    try {
                        return master.awaitSeen(v2, Duration.ofSeconds(60));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                a.get();
                Thread.sleep(20);
                assertThat(rollout).as("b has not read version 2").isNotDone();
                b.snapshot();
                assertThat(rollout.get(60, TimeUnit.SECONDS)).isEmpty();
                assertThat(SharedObject.followers("cfg", dir.options())).as("as an operator sees them").hasSize(2);
            }
            assertThat(master.followers()).isEmpty();
        }
    }

    @Test
    void anEntryOfADeadOrReusedPidIsReclaimedByWhoeverListsAndCostsNoWakeAfterwards() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            FollowerRegistry registry = FollowerRegistry.open(dir.path().resolve("cfg"), dir.options(), false);
            FollowerRegistry.Entry reused = registry.register("reused", FollowerRegistryDescriptor.LANGUAGE_JAVA);
            FollowerRegistry.Entry gone = registry.register("gone", FollowerRegistryDescriptor.LANGUAGE_PYTHON);
            reused.asleep();
            gone.asleep();
            try (FileChannel ch = FileChannel.open(FollowerRegistry.fileOf(dir.path().resolve("cfg")),
                    StandardOpenOption.READ, StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena);
                // Our own pid with another start time: a process that reused the pid of a dead follower.
                seg.set(ValueLayout.JAVA_LONG, FollowerRegistryDescriptor.entryOffset(reused.index()) + FollowerRegistryDescriptor.START, 12_345L);
                // A pid no process has.
                seg.set(ValueLayout.JAVA_LONG, FollowerRegistryDescriptor.entryOffset(gone.index()) + FollowerRegistryDescriptor.PID, Integer.MAX_VALUE - 1L);
            }
            if (Futex.isAvailable()) {
                long before = Futex.wakeCount();
                master.publish("two");
                assertThat(Futex.wakeCount() - before).as("the master finds the bits of dead processes and reclaims them instead of waking").isZero();
            }
            List<FollowerInfo> listed = master.followers();
            assertThat(listed).as("reclaimed before this call, nothing left").isEmpty();
            if (Futex.isAvailable()) {
                long before = Futex.wakeCount();
                for (int i = 0; i < 10; i++) {
                    master.publish("after " + i);
                }
                assertThat(Futex.wakeCount() - before).isZero();
            }
        }
    }

    @Test
    void aListingReportsDeadEntriesOnceAsNotAlive() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), dir.options())) {
            FollowerRegistry registry = FollowerRegistry.open(dir.path().resolve("cfg"), dir.options(), false);
            FollowerRegistry.Entry e = registry.register("reused", FollowerRegistryDescriptor.LANGUAGE_JAVA);
            try (FileChannel ch = FileChannel.open(FollowerRegistry.fileOf(dir.path().resolve("cfg")),
                    StandardOpenOption.READ, StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
                ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size(), arena).set(ValueLayout.JAVA_LONG,
                        FollowerRegistryDescriptor.entryOffset(e.index()) + FollowerRegistryDescriptor.START, 12_345L);
            }
            assertThat(master.followers()).singleElement().satisfies(f -> {
                assertThat(f.alive()).isFalse();
                assertThat(f.name()).isEqualTo("reused");
            });
            assertThat(master.followers()).isEmpty();
        }
    }

    @Test
    void theRegistryFileHasTheDocumentedBytes() throws Exception {
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), dir.options());
             SharedObjectFollower<String> f = SharedObject.follower("cfg", ObjectCodecs.text(), named("w"))) {
            long v = master.publish("one");
            f.get();
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.path().resolve("cfg~followers"))).order(ByteOrder.LITTLE_ENDIAN);
            assertThat(b.capacity()).isEqualTo(128 + 256 * 128);
            assertThat(new String(b.array(), 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("SHM4JFLW");
            assertThat(b.getInt(8)).isEqualTo(1);
            assertThat(b.getInt(12)).isEqualTo(128);
            assertThat(b.getInt(16)).isEqualTo(256);
            assertThat(b.getLong(128)).isEqualTo(ProcessHandle.current().pid());
            assertThat(b.getLong(128 + 24)).isEqualTo(v);
            assertThat(b.getInt(128 + 44)).isEqualTo(1);
            assertThat(b.get(128 + 64)).isEqualTo((byte) 'w');
        }
    }

    @Test
    void followerNamesAreCheckedWhenTheOptionsAreMade() {
        assertThatThrownBy(() -> dir.options().withFollowerName("x".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64 bytes");
        assertThatThrownBy(() -> dir.options().withFollowerName("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFollowerCanWaitForItsRegionToBeCreated() throws Exception {
        assertThatThrownBy(() -> SharedObject.follower("late", ObjectCodecs.text(), dir.options()))
                .isInstanceOf(RegionNotFoundException.class);
        CompletableFuture<String> follower = CompletableFuture.supplyAsync(() -> {
            try (SharedObjectFollower<String> f = SharedObject.follower("late", ObjectCodecs.text(),
                    dir.options().withCreationTimeout(Duration.ofSeconds(60)))) {
                return f.awaitNewer(0, Duration.ofSeconds(60)).map(Snapshot::text).orElse(null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        try (SharedObjectMaster<String> master = SharedObject.master("late", ObjectCodecs.text(), dir.options())) {
            master.publish("here");
            assertThat(follower.get(60, TimeUnit.SECONDS)).isEqualTo("here");
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> SharedObject.follower("never", ObjectCodecs.text(),
                dir.options().withCreationTimeout(Duration.ofMillis(200)))).isInstanceOf(RegionNotFoundException.class);
        assertThat(System.nanoTime() - start).as("waited").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
    }

    @Test
    void listAndDeleteRefusingWhileTheMasterRuns() throws Exception {
        assertThat(SharedObject.list(dir.options())).isEmpty();
        Files.write(dir.path().resolve("raw"), new byte[100]);
        try (SharedObjectMaster<String> master = SharedObject.master("cfg", ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            List<RegionInfo> regions = SharedObject.list(dir.options());
            assertThat(regions).extracting(RegionInfo::tag).containsExactly("cfg", "raw");
            assertThat(regions.get(0).kind()).isEqualTo(RegionInfo.Kind.OBJECT);
            assertThat(regions.get(0).version()).isEqualTo(1);
            assertThat(regions.get(0).masterAlive()).isTrue();
            assertThat(regions.get(1).kind()).isEqualTo(RegionInfo.Kind.RAW);
            assertThatThrownBy(() -> SharedObject.delete("cfg", dir.options()))
                    .isInstanceOf(MasterConflictException.class).hasMessageContaining("refusing to delete region cfg");
            assertThat(Files.exists(dir.path().resolve("cfg"))).isTrue();
        }
        assertThat(SharedObject.delete("cfg", dir.options())).isTrue();
        assertThat(SharedObject.delete("cfg", dir.options())).isFalse();
        try (var files = Files.list(dir.path())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("raw");
        }
        try (SharedObjectMaster<String> master = SharedObject.master("forced", ObjectCodecs.text(), dir.options())) {
            assertThat(SharedObject.delete("forced", dir.options(), true)).isTrue();
        }
        assertThat(Files.exists(dir.path().resolve("forced"))).isFalse();
    }
}
