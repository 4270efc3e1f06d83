package io.shm4j;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.nio.ByteBuffer;

/**
 * The built-in codecs. JSON goes through Jackson 3; {@link #forType(Class)} picks the natural
 * codec for a Java type.
 *
 * <pre>{@code
 * ObjectCodec<JsonNode> tree = ObjectCodecs.jsonTree();
 * ObjectCodec<Config> typed = ObjectCodecs.json(Config.class);   // records and POJOs
 * ObjectCodec<String> text  = ObjectCodecs.text();
 * ObjectCodec<byte[]> raw   = ObjectCodecs.bytes();
 * }</pre>
 */
public final class ObjectCodecs {
    private ObjectCodecs() {
    }

    /**
     * The default mapper, built when a JSON codec is first asked for: building one costs
     * Jackson databind's start-up (tens of milliseconds), which users of bytes() and text()
     * alone, such as {@code shm4j get}, need not pay.
     */
    private static final class DefaultMapper {
        static final ObjectMapper MAPPER = JsonMapper.builder().build();
    }

    /** Raw bytes, not copied on encode. */
    public static ObjectCodec<byte[]> bytes() {
        return RAW_BYTES;
    }

    /**
     * Bytes already encoded elsewhere, published as they are and labelled {@code contentType}:
     * e.g. JSON a master receives serialized, which followers then decode as JSON.
     */
    public static ObjectCodec<byte[]> bytes(ContentType contentType) {
        return new BytesCodec(Objects.requireNonNull(contentType, "contentType"));
    }

    /** UTF-8 text; decoding refuses malformed UTF-8. */
    public static ObjectCodec<String> text() {
        return TextCodec.INSTANCE;
    }

    /** JSON trees with the default mapper. */
    public static ObjectCodec<JsonNode> jsonTree() {
        return json(JsonNode.class, DefaultMapper.MAPPER);
    }

    /** JSON bound to {@code type} (records, POJOs, maps, lists) with the default mapper. */
    public static <T> ObjectCodec<T> json(Class<T> type) {
        return json(type, DefaultMapper.MAPPER);
    }

    /** JSON bound to {@code type} with a mapper of your own configuration. */
    public static <T> ObjectCodec<T> json(Class<T> type, ObjectMapper mapper) {
        return new JacksonCodec<>(Objects.requireNonNull(type, "type"), Objects.requireNonNull(mapper, "mapper"));
    }

    /**
     * The natural codec for {@code type}: {@code byte[]} → {@link #bytes()}, {@code String} →
     * {@link #text()}, anything else (including {@link JsonNode} and {@code Object}) → JSON.
     */
    @SuppressWarnings("unchecked")
    public static <T> ObjectCodec<T> forType(Class<T> type) {
        if (type == byte[].class) {
            return (ObjectCodec<T>) bytes();
        }
        if (type == String.class) {
            return (ObjectCodec<T>) text();
        }
        return json(type);
    }

    private static final ObjectCodec<byte[]> RAW_BYTES = new BytesCodec(ContentType.RAW);

    /**
     * A codec that decodes a payload where it lies in an array that is reused afterwards, so a
     * follower can copy each new version into one buffer instead of a new array. Raw bytes are
     * not one: their decoded value is the payload array itself.
     */
    interface RangeDecoder<T> {
        /** Decodes {@code array[offset, offset + length)}; the result does not refer to the array. */
        T decode(byte[] array, int offset, int length);
    }

    private record BytesCodec(ContentType contentType) implements ObjectCodec<byte[]> {
        @Override
        public byte[] encode(byte[] value) {
            return Objects.requireNonNull(value, "value");
        }

        @Override
        public byte[] decode(byte[] payload) {
            return payload;
        }
    }

    private enum TextCodec implements ObjectCodec<String>, RangeDecoder<String> {
        INSTANCE;

        @Override
        public ContentType contentType() {
            return ContentType.TEXT;
        }

        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] payload) {
            return decode(payload, 0, payload.length);
        }

        @Override
        public String decode(byte[] array, int offset, int length) {
            try {
                return StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(array, offset, length)).toString();
            } catch (CharacterCodingException e) {
                throw new CodecException("payload is not valid UTF-8 text (" + e.getMessage() + ")", e);
            }
        }
    }

    private record JacksonCodec<T>(Class<T> type, ObjectMapper mapper) implements ObjectCodec<T>, RangeDecoder<T> {
        @Override
        public ContentType contentType() {
            return ContentType.JSON;
        }

        @Override
        public byte[] encode(T value) {
            try {
                return mapper.writeValueAsBytes(value);
            } catch (JacksonException e) {
                throw new CodecException("cannot encode " + (value == null ? "null" : value.getClass().getName())
                        + " as JSON: " + e.getOriginalMessage(), e);
            }
        }

        @Override
        public T decode(byte[] payload) {
            return decode(payload, 0, payload.length);
        }

        @Override
        public T decode(byte[] array, int offset, int length) {
            try {
                // readTree skips readValue's type resolution: the common JSON-tree case, made direct
                return type == JsonNode.class ? type.cast(mapper.readTree(array, offset, length))
                        : mapper.readValue(array, offset, length, type);
            } catch (JacksonException e) {
                throw new CodecException("payload is not a valid JSON " + type.getSimpleName() + ": "
                        + e.getOriginalMessage(), e);
            }
        }
    }
}
