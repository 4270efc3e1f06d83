package io.shm4j;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seqlock by construction: a writer stopped after each step of a publish (FORMAT.md 5.1) and
 * of a growth (5.4), and what a reader returns at each point. The steps are applied to a real
 * region file by a model writer that follows FORMAT.md line by line (a master killed at that
 * instruction leaves exactly this file); the reader is the library's. Every state is read by a
 * follower that was reading all along (its caches hold the previous version) and by a new one.
 */
class PublishStepsTest {
    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();
    private final ShmOptions options = dir.options();

    /** A named state of the file and the version (with its text) every reader must return there. */
    private record Step(String name, Consumer<Path> apply, long expectedVersion, String expectedText) {
    }

    @Test
    void aReaderReturnsTheLastCommittedVersionUntilCommittedMovesThenTheNewOne() throws IOException, InterruptedException {
        Path file = regionWithTwoVersions("steps");
        long slot = slotOffset(MIN_SLOT_CAPACITY, slotIndex(3));
        byte[] three = "three, a longer payload than the others".getBytes(StandardCharsets.UTF_8);
        List<Step> steps = List.of(
                new Step("seq made odd", f -> TestDirectory.edit(f, seg -> seg.set(LONG, slot + SLOT_SEQ_OFFSET, seg.get(LONG, slot + SLOT_SEQ_OFFSET) + 1)), 2, "two"),
                new Step("half the payload written", f -> TestDirectory.edit(f, seg -> MemorySegment.copy(three, 0, seg, ValueLayout.JAVA_BYTE,
                        slot + SLOT_HEADER_LENGTH, three.length / 2)), 2, "two"),
                new Step("payload and fields written, seq still odd", f -> TestDirectory.edit(f, seg -> {
                    writeFields(seg, slot, 3, three);
                    writeCrc(seg, slot, three);
                }), 2, "two"),
                new Step("seq even again", f -> TestDirectory.edit(f, seg -> seg.set(LONG, slot + SLOT_SEQ_OFFSET, seg.get(LONG, slot + SLOT_SEQ_OFFSET) + 1)), 2, "two"),
                new Step("committed moved, not yet signalled", f -> TestDirectory.edit(f, seg -> seg.set(LONG, COMMITTED_OFFSET, 3L)), 3, new String(three, StandardCharsets.UTF_8)),
                new Step("notify incremented", f -> TestDirectory.edit(f, seg -> seg.set(INT, NOTIFY_OFFSET, seg.get(INT, NOTIFY_OFFSET) + 1)), 3, new String(three, StandardCharsets.UTF_8)));
        walk("steps", file, steps);
    }

    @Test
    void aCrcStoredAfterTheSeqCountsOnlyOnceCommittedMoves() throws IOException, InterruptedException {
        Path file = regionWithTwoVersions("crc-after-seq");
        long slot = slotOffset(MIN_SLOT_CAPACITY, slotIndex(3));
        byte[] three = "three, its CRC-32 stored after the seq (5.1)".getBytes(StandardCharsets.UTF_8);
        String text = new String(three, StandardCharsets.UTF_8);
        List<Step> steps = List.of(
                new Step("seq made odd", f -> TestDirectory.edit(f, seg -> seg.set(LONG, slot + SLOT_SEQ_OFFSET, seg.get(LONG, slot + SLOT_SEQ_OFFSET) + 1)), 2, "two"),
                new Step("payload and fields but crc32 written, seq still odd", f -> TestDirectory.edit(f, seg -> writeFields(seg, slot, 3, three)), 2, "two"),
                new Step("seq even again, crc32 still version 1's", f -> TestDirectory.edit(f, seg -> seg.set(LONG, slot + SLOT_SEQ_OFFSET, seg.get(LONG, slot + SLOT_SEQ_OFFSET) + 1)), 2, "two"),
                new Step("crc32 stored", f -> TestDirectory.edit(f, seg -> writeCrc(seg, slot, three)), 2, "two"),
                new Step("committed moved", f -> TestDirectory.edit(f, seg -> seg.set(LONG, COMMITTED_OFFSET, 3L)), 3, text),
                new Step("notify incremented", f -> TestDirectory.edit(f, seg -> seg.set(INT, NOTIFY_OFFSET, seg.get(INT, NOTIFY_OFFSET) + 1)), 3, text));
        walk("crc-after-seq", file, steps);
    }

    @Test
    void aReaderStaysOnTheOldFileUntilTheRenameThenReadsTheGrownOne() throws IOException, InterruptedException {
        Path file = regionWithTwoVersions("growth");
        long capacity = capacityFor(2L * MIN_SLOT_CAPACITY, MIN_SLOT_CAPACITY);
        Path grow = file.resolveSibling("growth~grow.1");
        String big = "x".repeat(2 * MIN_SLOT_CAPACITY);
        byte[] bigBytes = big.getBytes(StandardCharsets.UTF_8);
        long slot = slotOffset(capacity, slotIndex(3));
        List<Step> steps = List.of(
                new Step("grown file created and reserved, header written", f -> createGrown(f, grow, capacity), 2, "two"),
                new Step("version 3 written into the grown file and committed there", f -> TestDirectory.edit(grow, seg -> {
                    seg.set(LONG, slot + SLOT_SEQ_OFFSET, 1L);
                    writeFields(seg, slot, 3, bigBytes);
                    writeCrc(seg, slot, bigBytes);
                    seg.set(LONG, slot + SLOT_SEQ_OFFSET, 2L);
                    seg.set(LONG, COMMITTED_OFFSET, 3L);
                }), 2, "two"),
                new Step("old file flagged SUPERSEDED, not yet renamed", f -> TestDirectory.edit(f, seg -> seg.set(INT, FLAGS_OFFSET, FLAG_SUPERSEDED)), 2, "two"),
                new Step("grown file renamed over the tag", f -> move(grow, f), 3, big));
        walk("growth", file, steps);
    }

    /** Applies the steps in order; after each, a long-lived follower and a new one read. */
    private void walk(String tag, Path file, List<Step> steps) throws IOException, InterruptedException {
        List<String> seen = new ArrayList<>();
        try (var follower = SharedObject.follower(tag, String.class, options)) {
            assertThat(follower.get()).isEqualTo("two");
            SnapshotBuffer buffer = new SnapshotBuffer();
            assertThat(follower.readNewer(buffer)).isTrue();
            for (Step step : steps) {
                step.apply().accept(file);
                seen.add(step.name());
                // A follower of a SUPERSEDED file tries the tag again at most once a millisecond
                // (FORMAT.md 5.4): wait that out so the read after the rename must see it.
                Thread.sleep(2);
                String where = "after: " + String.join(", ", seen);
                assertThat(follower.get()).as(where).isEqualTo(step.expectedText());
                assertThat(follower.snapshot().version()).as(where).isEqualTo(step.expectedVersion());
                follower.readNewer(buffer);
                assertThat(buffer.version()).as(where).isEqualTo(step.expectedVersion());
                assertThat(new String(buffer.array(), 0, buffer.length(), StandardCharsets.UTF_8)).as(where).isEqualTo(step.expectedText());
                try (var fresh = SharedObject.follower(tag, String.class, options)) {
                    assertThat(fresh.get()).as(where + " (new follower)").isEqualTo(step.expectedText());
                    assertThat(fresh.version()).as(where + " (new follower)").isEqualTo(step.expectedVersion());
                }
            }
        }
    }

    private Path regionWithTwoVersions(String tag) throws IOException {
        try (var master = SharedObject.master(tag, ObjectCodecs.text(), options)) {
            master.publish("one");
            master.publish("two");
        }
        return dir.path().resolve(tag);
    }

    /** FORMAT.md 5.1's field writes (payload, version, length, contentType, publishTime), not seq or crc32. */
    private static void writeFields(MemorySegment seg, long slot, long version, byte[] payload) {
        MemorySegment.copy(payload, 0, seg, ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, payload.length);
        seg.set(LONG, slot + SLOT_VERSION_OFFSET, version);
        seg.set(INT, slot + SLOT_LENGTH_OFFSET, payload.length);
        seg.set(INT, slot + SLOT_CONTENT_TYPE_OFFSET, ContentType.TEXT.id());
        seg.set(LONG, slot + SLOT_PUBLISH_TIME_OFFSET, System.currentTimeMillis() * 1_000_000L);
    }

    /** FORMAT.md 5.1's crc32 of {@code payload}: with the fields, or after the seq (step 4b). */
    private static void writeCrc(MemorySegment seg, long slot, byte[] payload) {
        CRC32 crc = new CRC32();
        crc.update(payload);
        seg.set(INT, slot + SLOT_CRC_OFFSET, (int) crc.getValue());
    }

    /** FORMAT.md 5.4 step 1's new file: reserved, its header copied from the old file's but for the geometry. */
    private static void createGrown(Path old, Path grow, long capacity) {
        try {
            Files.write(grow, new byte[(int) fileLength(capacity)]);
            byte[] header = new byte[HEADER_LENGTH];
            TestDirectory.edit(old, seg -> MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, header, 0, HEADER_LENGTH));
            TestDirectory.edit(grow, seg -> {
                MemorySegment.copy(header, 0, seg, ValueLayout.JAVA_BYTE, 0, HEADER_LENGTH);
                seg.set(LONG, SLOT_CAPACITY_OFFSET, capacity);
                seg.set(LONG, FILE_LENGTH_OFFSET, fileLength(capacity));
                seg.set(INT, FLAGS_OFFSET, 0);
                seg.set(INT, NOTIFY_OFFSET, 0);
                seg.set(LONG, COMMITTED_OFFSET, 0L);
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

}
