package io.shm4j.internal;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte layout of a shared-object region file; {@code docs/FORMAT.md} describes the same layout
 * with the protocol around it. All integers are little-endian; every 8-byte field is 8-byte
 * aligned (FFM refuses unaligned 8-byte accesses, and only aligned words are single-copy atomic).
 *
 * <pre>
 *   0 +--------------------------------------------+
 *     | header (HEADER_LENGTH = 128 bytes)         |
 * 128 +--------------------------------------------+
 *     | slot 0: slot header (64) + payload (cap)   |  versions with (v &amp; 1) == 0
 *     +--------------------------------------------+
 *     | slot 1: slot header (64) + payload (cap)   |  versions with (v &amp; 1) == 1
 *     +--------------------------------------------+
 * </pre>
 * {@code cap} (the slot capacity) is a multiple of 64, so both slots start on a cache line.
 */
public final class ObjectRegionDescriptor {
    private ObjectRegionDescriptor() {
    }

    // ---- how fields are accessed: little-endian; the handles for ordered (acquire/release) accesses ----
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG_HANDLE = LONG.varHandle();
    static final VarHandle INT_HANDLE = INT.varHandle();

    /** ASCII {@code "SHM4JOBJ"} at offset 0: what {@code ls} and followers recognise. */
    public static final byte[] MAGIC = {'S', 'H', 'M', '4', 'J', 'O', 'B', 'J'};
    /** Current format version; readers refuse any other. */
    public static final int FORMAT_VERSION = 1;

    // ---- header ----
    public static final int MAGIC_OFFSET = 0;               // 8 bytes
    public static final int FORMAT_VERSION_OFFSET = 8;      // u32
    public static final int HEADER_LENGTH_OFFSET = 12;      // u32, = HEADER_LENGTH
    public static final int SLOT_CAPACITY_OFFSET = 16;      // u64, payload bytes per slot, multiple of 64
    public static final int FILE_LENGTH_OFFSET = 24;        // u64, = fileLength(slotCapacity)
    public static final int FLAGS_OFFSET = 32;              // u32, FLAG_*
    public static final int NOTIFY_OFFSET = 36;             // u32, futex word: +1 on every publish and supersede
    public static final int MASTER_PID_OFFSET = 40;         // i64, pid of the last master, 0 if none yet
    public static final int MASTER_START_OFFSET = 48;       // i64, that process's start, ms since the epoch
    public static final int GENERATION_OFFSET = 56;         // u64, +1 each time a master takes the region
    public static final int COMMITTED_OFFSET = 64;          // u64, newest whole version; 0 = none yet
    public static final int CREATED_OFFSET = 72;            // i64, file creation, ms since the epoch
    // 80..127 reserved, zero
    public static final int HEADER_LENGTH = 128;

    /** The tag now names a newer file: reopen the tag. Set before the rename (see FORMAT.md). */
    public static final int FLAG_SUPERSEDED = 1;

    // ---- slot header, relative to the slot's start ----
    public static final int SLOT_SEQ_OFFSET = 0;            // u64, odd while the slot is written
    public static final int SLOT_VERSION_OFFSET = 8;        // u64, version held
    public static final int SLOT_LENGTH_OFFSET = 16;        // u32, payload bytes
    public static final int SLOT_CONTENT_TYPE_OFFSET = 20;  // u32, ContentType id
    public static final int SLOT_PUBLISH_TIME_OFFSET = 24;  // i64, ns since the epoch
    public static final int SLOT_CRC_OFFSET = 32;           // u32, CRC-32 (IEEE, zlib) of the payload
    // 36..63 reserved, zero
    public static final int SLOT_HEADER_LENGTH = 64;

    /** Payload alignment and granularity of slot capacities. */
    public static final int SLOT_ALIGNMENT = 64;
    /**
     * The Java master stores the CRC-32 of payloads from this length on after the slot's seq is
     * even again, before the commit (FORMAT.md 5.1, "crc32 after the seq"), unless a follower
     * sleeps in the kernel (or slept at the last publish): a waiting follower copies the slot
     * meanwhile (it reads ahead, 5.2), so one CRC-32 less lies between a publish and its checked
     * copy. Otherwise, and below this length, the CRC-32 is taken in the copy's pass
     * ({@link CrcCopy}), which reads each byte again from L1 rather than from L2 in a second
     * pass, and so commits sooner (a sleeper waits for the commit; a small payload leaves a
     * follower little to overlap). A follower reads ahead only after a version this large:
     * polling the slot the master writes costs the master cache-line transfers.
     */
    public static final int CRC_AFTER_SEQ_FROM = 16 * 1024;
    /** Smallest slot capacity a new region gets. */
    public static final int MIN_SLOT_CAPACITY = 4096 - SLOT_HEADER_LENGTH;

    /** Offset of slot {@code index} (0 or 1) in a file of the given capacity. */
    public static long slotOffset(long slotCapacity, int index) {
        return HEADER_LENGTH + index * (SLOT_HEADER_LENGTH + slotCapacity);
    }

    /** Slot that holds version {@code version}. */
    public static int slotIndex(long version) {
        return (int) (version & 1);
    }

    /** Total file length for a slot capacity. */
    public static long fileLength(long slotCapacity) {
        return HEADER_LENGTH + 2 * (SLOT_HEADER_LENGTH + slotCapacity);
    }

    /** Smallest valid capacity holding {@code length} payload bytes, grown geometrically. */
    public static long capacityFor(long length, long currentCapacity) {
        long cap = Math.max(MIN_SLOT_CAPACITY, currentCapacity);
        while (cap < length) {
            cap = cap * 2 + SLOT_HEADER_LENGTH; // keeps slot header + payload a power of two
        }
        return align(cap);
    }

    static long align(long n) {
        return (n + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }
}
