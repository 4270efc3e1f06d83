package io.shm4j;

/**
 * A region file whose bytes are not a valid shm4j region of the expected kind: bad magic,
 * unknown format version, truncated, or a field out of range. Nothing is written to it.
 */
public final class CorruptRegionException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public CorruptRegionException(String message) {
        super(message);
    }
}
