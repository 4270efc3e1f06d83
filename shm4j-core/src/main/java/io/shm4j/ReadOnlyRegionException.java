package io.shm4j;

/** A write to a region opened {@link AccessMode#READ} (Python raises {@code TypeError} here). */
public final class ReadOnlyRegionException extends Shm4jException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyRegionException(String region) {
        super("region " + region + " is read-only (opened with AccessMode.READ); open it with WRITE or COPY to modify it");
    }
}
