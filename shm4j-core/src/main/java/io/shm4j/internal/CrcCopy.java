package io.shm4j.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32;

/**
 * Copies bytes between a mapped segment and a heap array and computes their CRC-32 in the same
 * pass: chunk by chunk, each chunk's CRC is taken from the heap side while the chunk is still in
 * the L1 cache, instead of a copy of the whole payload followed by a second pass over it (which,
 * past the cache size, reads every byte from L2 or memory twice).
 *
 * <p>The CRC is always of the heap array: on a read that is the copy the caller returns (the
 * mapped bytes may change under the copy), on a publish the bytes the master meant to write.
 *
 * <p>{@link #CHUNK} was measured ({@code InProcessPairs} in shm4j-bench, docs/BENCHMARKS.md "Fused
 * copy and CRC-32"): against a whole copy followed by a whole CRC, 2-4 KiB chunks saved 6% of a
 * 64 KiB read and 13-15% of a 1 MiB read, 4-8 KiB chunks 6-11% and 24% of the same writes; 32 KiB
 * chunks saved almost nothing. 4 KiB is within 2% of the best on both sides at both sizes. The
 * CRC-32 itself still costs about as much as the copy (both run from cache at 55-77 GB/s here),
 * so no chunking makes a checked read nearly as fast as a bare copy.
 */
public final class CrcCopy {
    /** Bytes per chunk: well inside the L1d, large enough that the per-chunk calls cost nothing. */
    public static final int CHUNK = 4 * 1024;

    private CrcCopy() {
    }

    /**
     * Copies {@code length} bytes from {@code source} at {@code offset} into {@code target[0, length)}
     * and returns the CRC-32 of what landed in {@code target}; {@code crc} is reset first.
     */
    public static int fromSegment(MemorySegment source, long offset, byte[] target, int length, CRC32 crc) {
        return fromSegment(source, offset, target, length, crc, CHUNK);
    }

    /** {@link #fromSegment(MemorySegment, long, byte[], int, CRC32)} with a chosen chunk size (for measuring). */
    public static int fromSegment(MemorySegment source, long offset, byte[] target, int length, CRC32 crc, int chunk) {
        crc.reset();
        for (int done = 0; done < length; done += chunk) {
            int n = Math.min(chunk, length - done);
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, offset + done, target, done, n);
            crc.update(target, done, n);
        }
        return (int) crc.getValue();
    }

    /**
     * Copies all of {@code source} into {@code target} at {@code offset} and returns its CRC-32;
     * {@code crc} is reset first.
     */
    public static int toSegment(byte[] source, MemorySegment target, long offset, CRC32 crc) {
        return toSegment(source, target, offset, crc, CHUNK);
    }

    /** {@link #toSegment(byte[], MemorySegment, long, CRC32)} with a chosen chunk size (for measuring). */
    public static int toSegment(byte[] source, MemorySegment target, long offset, CRC32 crc, int chunk) {
        crc.reset();
        for (int done = 0; done < source.length; done += chunk) {
            int n = Math.min(chunk, source.length - done);
            crc.update(source, done, n);
            MemorySegment.copy(source, done, target, ValueLayout.JAVA_BYTE, offset + done, n);
        }
        return (int) crc.getValue();
    }
}
