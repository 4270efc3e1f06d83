package io.shm4j;

import io.shm4j.internal.ObjectRegion;

import java.util.zip.CRC32;

/**
 * A reusable, caller-owned copy of one version of a shared object: the payload in a byte array
 * that this buffer keeps across reads, and the version's metadata. Filled by
 * {@link SharedObjectFollower#readNewer(SnapshotBuffer)}, which allocates nothing once the array
 * is large enough. Mutable and not thread-safe: one buffer per reading thread.
 *
 * <pre>{@code
 * SnapshotBuffer buffer = new SnapshotBuffer(4096);
 * while (running) {
 *     if (follower.readNewer(buffer)) {        // copies only when a newer version exists
 *         handle(buffer.array(), buffer.length(), buffer.version());
 *     }
 * }
 * }</pre>
 *
 * <p>A payload longer than the array replaces the array by a larger one (at least 1.5 times as
 * long), so {@link #array()} may return a different array after a read. A follower waiting in
 * {@code awaitNewer} may copy a large new version before its commit into a second array of the
 * buffer's, which then becomes {@link #array()}: the version held stays whole in the first until
 * the copy is checked. The buffer holds either one whole, CRC-checked version or nothing
 * ({@link #version()} 0): a read that throws leaves it empty, never with part of a version. Use
 * a buffer with one follower, or {@link #clear()} it before switching: it knows the version
 * number it holds, not the region.
 */
public final class SnapshotBuffer {
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private final ObjectRegion.Sink<SnapshotBuffer> sink = new Filler();
    private byte[] array;
    /** Where a read ahead of the commit copies (FORMAT.md 5.2), so that {@link #array} keeps its version meanwhile; empty until then. */
    private byte[] spare = new byte[0];
    private int length;
    private long version;
    private long publishTimeNanos;
    private ContentType contentType;

    /** An empty buffer whose array grows on the first read. */
    public SnapshotBuffer() {
        this(0);
    }

    /** An empty buffer with an array of {@code initialCapacity} bytes. */
    public SnapshotBuffer(int initialCapacity) {
        if (initialCapacity < 0) {
            throw new IllegalArgumentException("initialCapacity " + initialCapacity + " is negative");
        }
        array = new byte[initialCapacity];
    }

    /** The version held; 0 while the buffer is empty. */
    public long version() {
        return version;
    }

    /** When the master published the version held, nanoseconds since the Unix epoch; 0 while empty. */
    public long publishTimeNanos() {
        return publishTimeNanos;
    }

    /** The content type of the version held; {@code null} while empty. */
    public ContentType contentType() {
        return contentType;
    }

    /** Payload length in bytes: the payload is {@code array()[0, length())}; 0 while empty. */
    public int length() {
        return length;
    }

    /**
     * The array holding the payload from index 0; bytes at {@link #length()} and beyond are
     * unspecified. Not copied: valid until the next read into this buffer.
     */
    public byte[] array() {
        return array;
    }

    /**
     * Empties the buffer (version 0, length 0), keeping its array: the next read copies the
     * newest version even if this buffer held it. A buffer compares version numbers only, so
     * clear it before reading another region's versions into it.
     */
    public void clear() {
        version = 0;
        length = 0;
        publishTimeNanos = 0;
        contentType = null;
    }

    /** How this buffer's reads copy: into the array, grown if needed; empty until the copy is whole. */
    ObjectRegion.Sink<SnapshotBuffer> sink() {
        return sink;
    }

    private final class Filler implements ObjectRegion.Sink<SnapshotBuffer> {
        private final CRC32 checksum = new CRC32();

        @Override
        public byte[] arrayFor(int payloadLength) {
            clear();
            if (array.length < payloadLength) {
                array = new byte[Math.max(payloadLength, (int) Math.min(MAX_ARRAY_LENGTH, array.length * 3L / 2))];
            }
            return array;
        }

        @Override
        public byte[] spareArrayFor(int payloadLength) {
            if (spare.length < payloadLength) {
                spare = new byte[Math.max(payloadLength, (int) Math.min(MAX_ARRAY_LENGTH, spare.length * 3L / 2))];
            }
            return spare;
        }

        @Override
        public CRC32 checksum() {
            return checksum;
        }

        @Override
        public SnapshotBuffer accept(long v, long time, ContentType type, byte[] copy, int payloadLength) {
            if (copy == spare) { // read ahead: the spare becomes the array, the old array the next spare
                spare = array;
                array = copy;
            }
            version = v;
            publishTimeNanos = time;
            contentType = type;
            length = payloadLength;
            return SnapshotBuffer.this;
        }
    }

    @Override
    public String toString() {
        return version == 0 ? "SnapshotBuffer[empty, capacity=" + array.length + "]"
                : "SnapshotBuffer[version=" + version + ", length=" + length + ", contentType=" + contentType
                + ", publishTimeNanos=" + publishTimeNanos + ", capacity=" + array.length + "]";
    }
}
