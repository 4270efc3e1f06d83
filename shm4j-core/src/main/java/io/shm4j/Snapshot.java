package io.shm4j;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One whole version of a shared object, as published: never torn, CRC-checked. Immutable.
 *
 * <pre>{@code
 * Snapshot s = follower.snapshot();
 * System.out.println("v" + s.version() + " " + s.length() + " bytes, published " + s.publishTime());
 * }</pre>
 */
public final class Snapshot {
    private final long version;
    private final long publishTimeNanos;
    private final ContentType contentType;
    private final byte[] payload;

    /** For codecs and tests; the array is not copied and must not be modified afterwards. */
    public Snapshot(long version, long publishTimeNanos, ContentType contentType, byte[] payload) {
        this.version = version;
        this.publishTimeNanos = publishTimeNanos;
        this.contentType = contentType;
        this.payload = payload;
    }

    /** The version number; versions of a region only go up. */
    public long version() {
        return version;
    }

    /**
     * When the master published it, nanoseconds since the Unix epoch: the master's wall clock,
     * read before the version became visible (a Java master shows a step of its wall clock up to
     * 100 ms late, FORMAT.md 3.2).
     */
    public long publishTimeNanos() {
        return publishTimeNanos;
    }

    /** When the master published it. */
    public Instant publishTime() {
        return Instant.ofEpochSecond(0, publishTimeNanos);
    }

    public ContentType contentType() {
        return contentType;
    }

    /** Payload length in bytes. */
    public int length() {
        return payload.length;
    }

    /** A copy of the payload. */
    public byte[] bytes() {
        return payload.clone();
    }

    /** The payload without copying, read-only. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /** The payload decoded as UTF-8 (JSON and text content). */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The payload array itself, for codecs in this package. */
    byte[] payload() {
        return payload;
    }

    @Override
    public String toString() {
        return "Snapshot[version=" + version + ", length=" + payload.length + ", contentType=" + contentType
                + ", published=" + publishTime() + "]";
    }
}
