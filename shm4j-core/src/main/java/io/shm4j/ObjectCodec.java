package io.shm4j;

import java.util.Arrays;

/**
 * Turns objects into payload bytes and back. {@link ObjectCodecs} has the built-in ones
 * (Jackson JSON, JSON trees, text, raw bytes); implement this for any other encoding.
 *
 * <pre>{@code
 * ObjectCodec<Config> codec = ObjectCodecs.json(Config.class);
 * try (var master = SharedObject.master("config", codec, ShmOptions.defaults())) { ... }
 * }</pre>
 *
 * @param <T> the object type
 */
public interface ObjectCodec<T> {
    /** The content type stored with each version this codec encodes. */
    ContentType contentType();

    /**
     * Encodes {@code value}. The returned array is owned by the caller afterwards and may be the
     * codec's input (raw bytes are not copied). Throws {@link CodecException} if it cannot.
     */
    byte[] encode(T value);

    /** Decodes a payload; throws {@link CodecException} if the bytes are not a valid {@code T}. */
    T decode(byte[] payload);

    /**
     * Decodes the payload {@code array[offset, offset + length)}. The array is reused once this
     * returns, so the result must not keep it. Followers decode new versions through this method
     * from a buffer they reuse. The default copies the range and calls {@link #decode(byte[])};
     * codecs that can read the range in place override it.
     */
    default T decode(byte[] array, int offset, int length) {
        return decode(Arrays.copyOfRange(array, offset, offset + length));
    }
}
