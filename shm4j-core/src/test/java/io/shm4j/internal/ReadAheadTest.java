package io.shm4j.internal;

import io.shm4j.ContentType;
import io.shm4j.CorruptRegionException;
import io.shm4j.FollowerInfo;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;
import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reading ahead of the commit (FORMAT.md 5.2) by construction: version 3 is written into its slot
 * by a model writer following FORMAT.md 5.1 with "crc32 after the seq", stopped with the slot
 * whole but not committed, and a reader holding version 2 reads ahead while the test finishes the
 * publish (or does something else). The reader signals when it starts its copy, so each case is
 * reached every time; it waits far longer for the commit than the library's 1 ms, so a slow
 * machine cannot turn a case into another.
 */
class ReadAheadTest {
    private static final long LONG_WAIT = TimeUnit.SECONDS.toNanos(60);
    private static final byte[] THREE = "three, read ahead of its commit".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    @Test
    void aReadAheadReturnsTheVersionOnceTheMasterCommitsIt() throws Exception {
        Snapshot s = readAheadWhile("ahead", false, seg -> {
            seg.set(INT, slot(3) + SLOT_CRC_OFFSET, crc(THREE));
            seg.set(LONG, COMMITTED_OFFSET, 3L);
        });
        assertThat(s).isNotNull();
        assertThat(s.version()).isEqualTo(3);
        assertThat(s.bytes()).isEqualTo(THREE);
        assertThat(s.contentType()).isEqualTo(ContentType.TEXT);
    }

    @Test
    void withoutACommitInTimeNothingIsReadAndTheCommittedVersionStays() throws Exception {
        Path file = threeWholeButNotCommitted("nocommit", true);
        try (ObjectRegion r = ObjectRegion.openReadOnly("nocommit", file)) {
            assertThat(r.aheadReady(2)).isTrue();
            assertThat(r.readAhead(2, sink(null))).isNull(); // the library's 1 ms: a master killed before committing
            assertThat(new String(r.readCommitted().bytes(), StandardCharsets.UTF_8)).isEqualTo("two");
        }
    }

    @Test
    void aSlotRewrittenDuringTheWaitIsGivenUp() throws Exception {
        // Returns long before the reader's 60 s wait for the commit ends.
        assertThat(readAheadWhile("overtaken", true,
                seg -> seg.set(LONG, slot(3) + SLOT_SEQ_OFFSET, seg.get(LONG, slot(3) + SLOT_SEQ_OFFSET) + 1))).isNull();
    }

    @Test
    void aNewerCommitEndsTheWaitWithoutAResultForTheNormalReadToTake() throws Exception {
        assertThat(readAheadWhile("newer", true, seg -> seg.set(LONG, COMMITTED_OFFSET, 4L))).isNull(); // as if 3 and 4 were committed
    }

    @Test
    void aCrcThatDoesNotMatchIsLeftToTheNormalReadWhichReportsIt() throws Exception {
        assertThat(readAheadWhile("badcrc", false, seg -> {
            seg.set(INT, slot(3) + SLOT_CRC_OFFSET, crc(THREE) ^ 1);
            seg.set(LONG, COMMITTED_OFFSET, 3L);
        })).isNull();
        try (ObjectRegion r = ObjectRegion.openReadOnly("badcrc", dir.path().resolve("badcrc"))) {
            assertThatThrownBy(r::readCommitted).isInstanceOf(CorruptRegionException.class).hasMessageContaining("CRC-32 mismatch");
        }
    }

    @Test
    void nothingIsReadAheadWhileTheSlotIsBeingWrittenOrHoldsAnotherVersion() throws Exception {
        Path file = threeWholeButNotCommitted("notyet", true);
        try (ObjectRegion r = ObjectRegion.openReadOnly("notyet", file)) {
            assertThat(r.aheadReady(1)).isFalse(); // committed is 2, not 1
            assertThat(r.readAhead(1, sink(null))).isNull();
            TestDirectory.edit(file, seg -> seg.set(LONG, slot(3) + SLOT_SEQ_OFFSET, seg.get(LONG, slot(3) + SLOT_SEQ_OFFSET) + 1));
            assertThat(r.aheadReady(2)).isFalse(); // odd: being written
            assertThat(r.readAhead(2, sink(null))).isNull();
        }
    }

    @Test
    void aSpinningFollowerKeepsItsVersionWholeUntilTheCommitComes() throws Exception {
        String two = "two ".repeat(CRC_AFTER_SEQ_FROM / 4); // large: the follower reads the next one ahead
        Path file = threeWholeButNotCommitted("keep", true, two);
        try (var follower = SharedObject.follower("keep", ObjectCodecs.text(), dir.options().withWaitStrategy(WaitStrategy.BUSY_SPIN))) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(follower.readNewer(buffer)).isTrue();
            byte[] held = buffer.array();
            // Reads version 3 ahead again and again, giving up after 1 ms each time: no commit.
            assertThat(follower.awaitNewer(buffer, Duration.ofMillis(20))).isFalse();
            assertThat(buffer.version()).isEqualTo(2);
            assertThat(buffer.array()).isSameAs(held);
            assertThat(new String(buffer.array(), 0, buffer.length(), StandardCharsets.UTF_8)).isEqualTo(two);
            TestDirectory.edit(file, seg -> seg.set(LONG, COMMITTED_OFFSET, 3L));
            assertThat(follower.awaitNewer(buffer, Duration.ofSeconds(60))).isTrue();
            assertThat(buffer.version()).isEqualTo(3);
            assertThat(Arrays.copyOf(buffer.array(), buffer.length())).isEqualTo(THREE);
        }
    }

    @Test
    void aFollowerThatMaySleepSleepsOnceAReadAheadGaveUpAndWakesForTheCommit() throws Exception {
        String two = "two ".repeat(CRC_AFTER_SEQ_FROM / 4);
        Path file = threeWholeButNotCommitted("sleeps", true, two);
        ShmOptions options = dir.options().withWaitStrategy(WaitStrategy.SPIN_THEN_BLOCK);
        try (var follower = SharedObject.follower("sleeps", ObjectCodecs.text(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(follower.readNewer(buffer)).isTrue();
            CompletableFuture<Boolean> waited = CompletableFuture.supplyAsync(() -> {
                try {
                    return follower.awaitNewer(buffer, Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            // Version 3 is whole but never committed (a master killed there): one read-ahead
            // gives up after 1 ms, and then the follower sleeps instead of reading ahead again.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (SharedObject.followers("sleeps", options).getFirst().waiting() != FollowerInfo.Waiting.ASLEEP) {
                assertThat(System.nanoTime()).as("the follower never fell asleep").isLessThan(deadline);
                Thread.sleep(1);
            }
            assertThat(waited).isNotDone();
            TestDirectory.edit(file, seg -> seg.set(LONG, COMMITTED_OFFSET, 3L)); // its kernel wait ends within a 1 s slice
            assertThat(waited.get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(buffer.version()).isEqualTo(3);
            assertThat(Arrays.copyOf(buffer.array(), buffer.length())).isEqualTo(THREE);
        }
    }

    /**
     * A region holding versions 1 ("one") and 2 ("two", committed), then version 3 written into
     * slot 1 with its seq even again but {@code committed} still 2; its crc32 is stored only if
     * {@code withCrc} (else it is still version 1's, as between the seq and the CRC-32).
     */
    private Path threeWholeButNotCommitted(String tag, boolean withCrc) throws IOException {
        return threeWholeButNotCommitted(tag, withCrc, "two");
    }

    /** {@link #threeWholeButNotCommitted(String, boolean)} with version 2 {@code two}. */
    private Path threeWholeButNotCommitted(String tag, boolean withCrc, String two) throws IOException {
        try (var master = SharedObject.master(tag, ObjectCodecs.text(), dir.options())) {
            master.publish("one");
            master.publish(two);
        }
        Path file = dir.path().resolve(tag);
        TestDirectory.edit(file, seg -> {
            long s = slotOffset(seg.get(LONG, SLOT_CAPACITY_OFFSET), slotIndex(3));
            long seq = seg.get(LONG, s + SLOT_SEQ_OFFSET);
            seg.set(LONG, s + SLOT_SEQ_OFFSET, seq + 1);
            MemorySegment.copy(THREE, 0, seg, ValueLayout.JAVA_BYTE, s + SLOT_HEADER_LENGTH, THREE.length);
            seg.set(LONG, s + SLOT_VERSION_OFFSET, 3L);
            seg.set(INT, s + SLOT_LENGTH_OFFSET, THREE.length);
            seg.set(INT, s + SLOT_CONTENT_TYPE_OFFSET, ContentType.TEXT.id());
            seg.set(LONG, s + SLOT_PUBLISH_TIME_OFFSET, 3L);
            seg.set(LONG, s + SLOT_SEQ_OFFSET, seq + 2);
            if (withCrc) {
                seg.set(INT, s + SLOT_CRC_OFFSET, crc(THREE));
            }
        });
        return file;
    }

    /** Version {@code version}'s slot in the regions of minimum capacity most tests use. */
    private static long slot(long version) {
        return slotOffset(MIN_SLOT_CAPACITY, slotIndex(version));
    }

    private static int crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return (int) c.getValue();
    }

    /**
     * What a reader holding version 2 of {@link #threeWholeButNotCommitted} returns from a
     * read-ahead (waiting {@link #LONG_WAIT} for the commit) when {@code edit} is applied to the
     * file once the reader has started its copy.
     */
    private Snapshot readAheadWhile(String tag, boolean withCrc, Consumer<MemorySegment> edit) throws Exception {
        Path file = threeWholeButNotCommitted(tag, withCrc);
        try (ObjectRegion r = ObjectRegion.openReadOnly(tag, file)) {
            CountDownLatch copying = new CountDownLatch(1);
            CompletableFuture<Snapshot> result = CompletableFuture.supplyAsync(() -> r.readAhead(2, sink(copying), LONG_WAIT),
                    runnable -> Thread.ofPlatform().start(runnable));
            copying.await();
            TestDirectory.edit(file, edit);
            return result.get(60, TimeUnit.SECONDS);
        }
    }

    /** A new snapshot per read, as {@link ObjectRegion#NEW_SNAPSHOT}; opens {@code copying} (if any) as a read-ahead starts its copy. */
    private static ObjectRegion.Sink<Snapshot> sink(CountDownLatch copying) {
        return new ObjectRegion.Sink<>() {
            @Override
            public byte[] arrayFor(int length) {
                throw new AssertionError("a read-ahead copies into the spare array");
            }

            @Override
            public byte[] spareArrayFor(int length) {
                if (copying != null) {
                    copying.countDown();
                }
                return ObjectRegion.NEW_SNAPSHOT.arrayFor(length);
            }

            @Override
            public CRC32 checksum() {
                return ObjectRegion.NEW_SNAPSHOT.checksum();
            }

            @Override
            public Snapshot accept(long version, long publishTimeNanos, ContentType contentType, byte[] array, int length) {
                return ObjectRegion.NEW_SNAPSHOT.accept(version, publishTimeNanos, contentType, array, length);
            }
        };
    }
}
