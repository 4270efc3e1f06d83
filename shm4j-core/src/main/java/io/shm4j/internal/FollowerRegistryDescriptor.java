package io.shm4j.internal;

/**
 * Byte layout of a tag's follower registry, {@code <tag>~followers}: one entry per registered
 * follower, and the bitmap of those asleep in {@code FUTEX_WAIT}. {@code docs/FORMAT.md} 3.3
 * describes the same layout and the memory order of every field; little-endian.
 *
 * <pre>
 *   0 | magic "SHM4JFLW" (8) | 8 format version (u32) | 12 entry length (u32) | 16 capacity (u32) | 20..63 zero |
 *  64 | asleep bitmap: capacity / 32 u32 words, bit i = entry i sleeps in the kernel; zero up to 128  |
 * 128 | entry 0 (128 bytes) | entry 1 | ...                                                          |
 *
 * entry:  0 pid (i64, 0 = free) | 8 process start ms (i64) | 16 registered ms (i64)
 *        24 seen version (u64)  | 32 seen at ms (i64)      | 40 state (u32) | 44 language (u32) | 48..63 zero
 *        64 name: UTF-8, at most 64 bytes, zero-padded
 * </pre>
 * Each entry starts on its own cache line, so a follower's stores never touch a line another
 * follower writes; the bitmap has a line of its own, the one a master loads after each publish.
 */
public final class FollowerRegistryDescriptor {
    private FollowerRegistryDescriptor() {
    }

    /** ASCII {@code "SHM4JFLW"} at offset 0. */
    public static final byte[] MAGIC = {'S', 'H', 'M', '4', 'J', 'F', 'L', 'W'};
    /** Current format version; files of another version are not used. */
    public static final int FORMAT_VERSION = 1;
    /** File name suffix after the tag. */
    public static final String FILE_SUFFIX = RegionFiles.HELPER_SEPARATOR + "followers";

    public static final int MAGIC_OFFSET = 0;           // 8 bytes
    public static final int FORMAT_VERSION_OFFSET = 8;  // u32
    public static final int ENTRY_LENGTH_OFFSET = 12;   // u32
    public static final int CAPACITY_OFFSET = 16;       // u32
    public static final int BITMAP_OFFSET = 64;         // capacity / 32 u32 words, atomic or / and-not only
    public static final int ENTRIES_OFFSET = 128;

    public static final int ENTRY_LENGTH = 128;
    /** Entries in a file this version creates; a full registry leaves later followers unregistered. */
    public static final int CAPACITY = 256;
    public static final int FILE_LENGTH = ENTRIES_OFFSET + CAPACITY * ENTRY_LENGTH;

    // entry fields, relative to the entry's offset
    public static final int PID = 0;                 // i64, 0 = free; stored last on claim (release)
    public static final int START = 8;               // i64, ms since the epoch, as masterStart
    public static final int REGISTERED = 16;         // i64, ms since the epoch
    public static final int SEEN_VERSION = 24;       // u64, release store by the follower
    public static final int SEEN_AT = 32;            // i64, ms since the epoch, stored before SEEN_VERSION
    public static final int STATE = 40;              // u32, one of the STATE_ values
    public static final int LANGUAGE = 44;           // u32, one of the LANGUAGE_ values
    public static final int NAME = 64;               // UTF-8, zero-padded
    public static final int NAME_LENGTH = 64;

    /** Not waiting: between reads, or reading. */
    public static final int STATE_IDLE = 0;
    /** Waiting for a new version without the kernel (spinning, yielding, parking briefly). */
    public static final int STATE_SPINNING = 1;
    /** Asleep in {@code FUTEX_WAIT}; its bit in the bitmap is set. */
    public static final int STATE_ASLEEP = 2;

    public static final int LANGUAGE_JAVA = 1;
    public static final int LANGUAGE_PYTHON = 2;

    /** Offset of entry {@code index}. */
    public static long entryOffset(int index) {
        return ENTRIES_OFFSET + (long) index * ENTRY_LENGTH;
    }
}
