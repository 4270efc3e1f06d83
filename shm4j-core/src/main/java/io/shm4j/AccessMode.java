package io.shm4j;

/** How a region is mapped; the same three modes as Python's {@code mmap.ACCESS_*}. */
public enum AccessMode {
    /** Read-only: every write throws {@link ReadOnlyRegionException}; needs only read permission. */
    READ,
    /** Shared read-write: other processes mapping the same file see every byte written. */
    WRITE,
    /** Private copy-on-write: writes stay in this mapping and never reach the file or other processes. */
    COPY
}
