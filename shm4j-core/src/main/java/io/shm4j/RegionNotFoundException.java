package io.shm4j;

import java.nio.file.NoSuchFileException;

/** No region with the given tag exists in the region directory. */
public final class RegionNotFoundException extends NoSuchFileException {
    private static final long serialVersionUID = 1L;

    public RegionNotFoundException(String tag, String file) {
        super(file, null, "no region '" + tag + "' (" + file + "); create it first or check the tag and SHM4J_DIR");
    }
}
