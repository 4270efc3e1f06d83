package io.shm4j.internal;

/**
 * Byte layout of a tag's legacy sleepers file, {@code <tag>~sleepers}: the count of follower
 * threads of shm4j versions before the follower registry that may be asleep in
 * {@code FUTEX_WAIT} on the tag's notify word. {@code docs/FORMAT.md} 3.5 describes the same
 * layout and how old and new processes share a tag. Little-endian.
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
    /** Written by masters before the follower registry (and by nobody since). */
    public static final int FORMAT_VERSION = 1;
    /**
     * Written by masters and followers that use the follower registry: old followers refuse the
     * file and poll, old masters refuse it and wake on every publish; the count stays honoured.
     */
    public static final int REGISTRY_FORMAT_VERSION = 2;
    /** File name suffix after the tag. */
    public static final String FILE_SUFFIX = RegionFiles.HELPER_SEPARATOR + "sleepers";

    public static final int MAGIC_OFFSET = 0;           // 8 bytes
    public static final int FORMAT_VERSION_OFFSET = 8;  // u32
    public static final int SLEEPERS_OFFSET = 16;       // u32, atomic add only (by old followers)
    public static final int FILE_LENGTH = 64;
}
