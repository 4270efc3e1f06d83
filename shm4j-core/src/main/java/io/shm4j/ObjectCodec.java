package io.shm4j;

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
}
