package io.shm4j.internal;

import io.shm4j.CorruptRegionException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import static io.shm4j.internal.ObjectRegionDescriptor.*;

/**
 * The one check of an object region's header (FORMAT.md section 4), for the library's mappings
 * and for tools that only classify a file ({@code shm4j ls}). Python's {@code validate_header}
 * implements the same steps with the same messages.
 */
public final class RegionHeader {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a file is, judged from its first bytes and its size. */
    public enum Kind {
        /** Does not start with {@code SHM4JOBJ}: a raw region ({@code MappedRegion}) or a foreign file. */
        RAW,
        /** Starts like an object region (or is empty) but is shorter than the header, or fails a check of section 4. */
        DAMAGED_OBJECT,
        /** A readable object region. */
        OBJECT
    }

    private static final String FORMAT_VERSION_PROBLEM = "has format version";

    private RegionHeader() {
    }

    /**
     * Whether {@code start}, the first bytes of a file ({@code MAGIC.length} or fewer if the file
     * is shorter), begins an object region: an empty or short file whose bytes are a prefix of
     * the magic counts as a truncated object region, anything else as a file of another kind.
     */
    public static boolean startsLikeObjectRegion(MemorySegment start) {
        long n = Math.min(start.byteSize(), MAGIC.length);
        return MemorySegment.mismatch(start, 0, n, MemorySegment.ofArray(MAGIC), 0, n) < 0;
    }

    /**
     * Checks FORMAT.md section 4 on a mapping of the whole file ({@code seg}) and returns the
     * slot capacity.
     *
     * @throws CorruptRegionException naming region {@code tag} ({@code file}) and what is wrong
     */
    public static long validate(String tag, Path file, MemorySegment seg) {
        String problem = problem(tag, seg, seg.byteSize());
        if (problem == null) {
            return seg.get(LONG, SLOT_CAPACITY_OFFSET);
        }
        // Only a damaged object region may be removed: never advise deleting another kind of
        // file, or one a newer shm4j wrote.
        boolean damaged = startsLikeObjectRegion(seg) && !problem.startsWith(FORMAT_VERSION_PROBLEM);
        throw damaged ? corrupt(tag, file, problem) : new CorruptRegionException(name(tag, file) + " " + problem);
    }

    /**
     * The kind of {@code file}, from its header and size (read, not mapped; nothing is written).
     * Opened as the library opens region files ({@link RegionFiles#open}: no link followed, no
     * FIFO waited on, only a regular file).
     */
    public static Kind kindOf(Path file) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(HEADER_LENGTH);
        long size;
        try (FileChannel ch = RegionFiles.open(file, false, "region " + file.getFileName()).detach()) {
            size = ch.size();
            while (head.hasRemaining() && ch.read(head) > 0) {
                // the header, or as much of it as the file has
            }
        }
        MemorySegment seg = MemorySegment.ofBuffer(head.flip());
        if (!startsLikeObjectRegion(seg)) {
            return Kind.RAW;
        }
        return problem(file.getFileName().toString(), seg, size) == null ? Kind.OBJECT : Kind.DAMAGED_OBJECT;
    }

    /**
     * What makes a file unreadable, in FORMAT.md section 4's order, or null: {@code head} holds
     * the file's first bytes (at least the header if the file has it), {@code size} is its length.
     */
    private static String problem(String tag, MemorySegment head, long size) {
        if (!startsLikeObjectRegion(head)) {
            return "is not a shm4j object region (bad magic): a raw region, which `shm4j dump " + tag + "` prints and"
                    + " MappedRegion reads, or another program's file; use another tag for a shared object";
        }
        if (size < HEADER_LENGTH || head.byteSize() < HEADER_LENGTH) {
            return "is truncated: " + size + " bytes, shorter than the " + HEADER_LENGTH + "-byte header";
        }
        int version = head.get(INT, FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            // u32 and u64 fields print unsigned, as FORMAT.md types them (and as Python's reader prints them).
            return FORMAT_VERSION_PROBLEM + " " + Integer.toUnsignedString(version) + "; this shm4j reads version "
                    + FORMAT_VERSION + ": use a matching shm4j or recreate the region";
        }
        int headerLength = head.get(INT, HEADER_LENGTH_OFFSET);
        long capacity = head.get(LONG, SLOT_CAPACITY_OFFSET);
        long fileLength = head.get(LONG, FILE_LENGTH_OFFSET);
        if (headerLength != HEADER_LENGTH || capacity <= 0 || capacity % SLOT_ALIGNMENT != 0
                || capacity > Integer.MAX_VALUE || fileLength != fileLength(capacity)) {
            return "has a header field out of range (headerLength " + Integer.toUnsignedString(headerLength)
                    + ", slotCapacity " + Long.toUnsignedString(capacity) + ", fileLength " + Long.toUnsignedString(fileLength) + ")";
        }
        if (size < fileLength) {
            return "is truncated: " + size + " bytes, the header says " + fileLength;
        }
        return null;
    }

    private static String name(String tag, Path file) {
        return "region " + tag + " (" + file + ")";
    }

    /** A damaged object region: nothing was read; it may be removed once unused. */
    static CorruptRegionException corrupt(String tag, Path file, String what) {
        return new CorruptRegionException(name(tag, file) + " " + what
                + "; nothing was read from it (remove it with `shm4j rm " + tag + "` once no process uses it)");
    }
}
