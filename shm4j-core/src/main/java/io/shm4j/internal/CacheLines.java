package io.shm4j.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Takes cache lines of a shared segment back to this core without changing a byte: one 8-byte
 * word per 64-byte line is loaded and stored back. A copy into lines another core has read waits
 * for each to be handed over; taking them back early moves that wait off the copy
 * ({@link ObjectRegionWriter}'s publish does it for the slot it writes next).
 *
 * <pre>{@code
 * CacheLines.takeBack(segment, slot, slotLength); // after the commit, before the next publish
 * }</pre>
 */
public final class CacheLines {
    /** The line size this assumes (x86-64, most arm64): one store per line takes it. */
    private static final int LINE = 64;

    /**
     * Zero, but not to the JIT, which drops a store of the value just loaded from the same
     * address: {@link #takeBack} stores {@code value ^ alwaysZero}, the same value as far as
     * memory goes.
     */
    private static volatile long alwaysZero;

    private CacheLines() {
    }

    /**
     * Stores back, unchanged, one word per line of {@code [offset, offset + length)};
     * {@code offset} must be 8-byte aligned in memory. A reader copying those bytes meanwhile
     * reads the values it would have read; the caller must be the only writer of them.
     */
    public static void takeBack(MemorySegment segment, long offset, long length) {
        long zero = alwaysZero;
        for (long line = offset; line < offset + length; line += LINE) {
            segment.set(ValueLayout.JAVA_LONG, line, segment.get(ValueLayout.JAVA_LONG, line) ^ zero);
        }
    }
}
