package io.shm4j.internal;

/**
 * Byte layout of a tag's sleepers file, {@code <tag>~sleepers}: the count of follower threads
 * that may be asleep in {@code FUTEX_WAIT} on the tag's notify word. {@code docs/FORMAT.md} 3.3
 * describes the same layout and 5.6 the protocol around it. Little-endian.
 *
 * <pre>
 *  0 | magic "SHM4JSLP" (8) | 8 format version (u32) | 12 reserved (u32) |
 * 16 | sleepers (u32)       | 20..63 reserved, zero                      |
 * </pre>
 * The file is one cache line, so the count (written by followers) shares no line with the
 * object region the master writes.
 */
public final class SleepersDescriptor {
    private SleepersDescriptor() {
    }

    /** ASCII {@code "SHM4JSLP"} at offset 0. */
    public static final byte[] MAGIC = {'S', 'H', 'M', '4', 'J', 'S', 'L', 'P'};
    /** Current format version; other versions are not used. */
    public static final int FORMAT_VERSION = 1;
    /** File name suffix after the tag. */
    public static final String FILE_SUFFIX = RegionFiles.HELPER_SEPARATOR + "sleepers";

    public static final int MAGIC_OFFSET = 0;           // 8 bytes
    public static final int FORMAT_VERSION_OFFSET = 8;  // u32
    public static final int SLEEPERS_OFFSET = 16;       // u32, atomic add only
    public static final int FILE_LENGTH = 64;
}
