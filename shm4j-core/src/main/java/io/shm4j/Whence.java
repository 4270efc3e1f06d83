package io.shm4j;

/** Reference point of {@link MappedRegion#seek(long, Whence)}: Python's {@code os.SEEK_SET/CUR/END}. */
public enum Whence {
    /** From the start of the region: the new position is {@code pos}. */
    SET,
    /** From the current position: the new position is {@code tell() + pos}. */
    CUR,
    /** From the end of the mapping: the new position is {@code length() + pos}. */
    END
}
