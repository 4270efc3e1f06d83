package io.shm4j.etcd;

import io.shm4j.ContentType;
import io.shm4j.Shm4jException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * One version of a tag as stored in etcd under {@code <prefix><tag>}: the payload with its
 * content type, the host and version it came from, and when it was published there. The bytes
 * are specified in {@code docs/MIRROR.md} ("The value in etcd") so that any language can read
 * them; all integers are little-endian:
 *
 * <pre>
 * offset size field
 *  0     4    magic "S4JM"
 *  4     1    format version (1)
 *  5     1    content type id (0 RAW, 1 JSON, 2 TEXT, as in FORMAT.md)
 *  6     2    H: length of the source host name in bytes (unsigned)
 *  8     8    source version (the version number in the source region)
 * 16     8    publish time at the source, nanoseconds since the Unix epoch
 * 24     4    L: payload length in bytes (unsigned)
 * 28     4    CRC-32 (IEEE, as zlib.crc32) of the payload
 * 32     H    source host name, UTF-8
 * 32+H   L    payload
 * </pre>
 *
 * <pre>{@code
 * byte[] value = new MirrorRecord(payload, ContentType.JSON, "host-a", 7, publishNanos).encode();
 * MirrorRecord back = MirrorRecord.decode(value);
 * }</pre>
 *
 * @param payload          the payload bytes (not copied)
 * @param contentType      their content type
 * @param sourceHost       the host whose region published them
 * @param sourceVersion    their version number in that region
 * @param publishTimeNanos when that region's master published them, nanoseconds since the epoch
 */
public record MirrorRecord(byte[] payload, ContentType contentType, String sourceHost, long sourceVersion,
                           long publishTimeNanos) {
    /** Bytes before the host name. */
    public static final int HEADER_LENGTH = 32;
    /** The format version this class writes and reads. */
    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = {'S', '4', 'J', 'M'};
    private static final int MAX_HOST_BYTES = 0xFFFF;

    public MirrorRecord {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(sourceHost, "sourceHost");
    }

    /** The encoded length of a record with {@code hostBytes} of host name and {@code payloadLength} of payload. */
    static long encodedLength(int hostBytes, int payloadLength) {
        return (long) HEADER_LENGTH + hostBytes + payloadLength;
    }

    /** The bytes stored in etcd. */
    public byte[] encode() {
        return encode(payload, payload.length, contentType, sourceHost, sourceVersion, publishTimeNanos);
    }

    /** Encodes {@code payload[0, length)} with its metadata, without building a record first. */
    static byte[] encode(byte[] payload, int length, ContentType contentType, String sourceHost, long sourceVersion,
                         long publishTimeNanos) {
        byte[] host = sourceHost.getBytes(StandardCharsets.UTF_8);
        if (host.length > MAX_HOST_BYTES) {
            throw new IllegalArgumentException("host name longer than " + MAX_HOST_BYTES + " bytes");
        }
        CRC32 crc = new CRC32();
        crc.update(payload, 0, length);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(encodedLength(host.length, length))).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) FORMAT_VERSION).put((byte) contentType.id()).putShort((short) host.length)
                .putLong(sourceVersion).putLong(publishTimeNanos).putInt(length).putInt((int) crc.getValue())
                .put(host).put(payload, 0, length);
        return b.array();
    }

    /**
     * Reads a record from the bytes of an etcd value. A value that is not a whole, intact record
     * (wrong magic or format version, unknown content type, lengths that do not add up, CRC
     * mismatch) is refused: a mirror never publishes part of an object.
     *
     * @throws Shm4jException naming what is wrong
     */
    public static MirrorRecord decode(byte[] value) {
        if (value.length < HEADER_LENGTH) {
            throw invalid(value.length + " bytes, shorter than the " + HEADER_LENGTH + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        for (byte m : MAGIC) {
            if (b.get() != m) {
                throw invalid("no \"S4JM\" magic");
            }
        }
        int format = Byte.toUnsignedInt(b.get());
        if (format != FORMAT_VERSION) {
            throw invalid("format version " + format + ", this shm4j reads " + FORMAT_VERSION);
        }
        int typeId = Byte.toUnsignedInt(b.get());
        ContentType type = ContentType.ofId(typeId);
        if (type == null) {
            throw invalid("unknown content type " + typeId);
        }
        int hostLength = Short.toUnsignedInt(b.getShort());
        long version = b.getLong();
        long time = b.getLong();
        long length = Integer.toUnsignedLong(b.getInt());
        int expectedCrc = b.getInt();
        if (encodedLength(hostLength, 0) + length != value.length) {
            throw invalid(value.length + " bytes where the header says " + (encodedLength(hostLength, 0) + length));
        }
        String host = new String(value, HEADER_LENGTH, hostLength, StandardCharsets.UTF_8);
        byte[] payload = new byte[(int) length];
        System.arraycopy(value, HEADER_LENGTH + hostLength, payload, 0, payload.length);
        CRC32 crc = new CRC32();
        crc.update(payload);
        if ((int) crc.getValue() != expectedCrc) {
            throw invalid("payload CRC-32 mismatch");
        }
        return new MirrorRecord(payload, type, host, version, time);
    }

    private static Shm4jException invalid(String why) {
        return new Shm4jException("not a shm4j mirror record (docs/MIRROR.md): " + why);
    }

    /** Same source host, version and publish time: the same published version, pushed twice. */
    boolean sameSourceVersion(MirrorRecord other) {
        return other != null && sourceVersion == other.sourceVersion && publishTimeNanos == other.publishTimeNanos
                && sourceHost.equals(other.sourceHost);
    }

    @Override
    public String toString() {
        return "MirrorRecord[" + payload.length + " bytes " + contentType + " from " + sourceHost + " v" + sourceVersion + "]";
    }
}
