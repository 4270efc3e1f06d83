package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.Snapshot;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * JSON values given to {@code put} and {@code serve}: read, then parsed strictly before anything
 * is published; and published JSON, checked as strictly before it is printed.
 */
final class JsonInput {
    private JsonInput() {
    }

    /**
     * The CLI's mapper. Built on first use: building one costs Jackson databind's start-up (tens
     * of milliseconds), which {@code shm4j get}'s usual path ({@link #publishedCompact}) avoids.
     */
    static ObjectMapper mapper() {
        return Mapper.INSTANCE;
    }

    private static final class Mapper {
        static final ObjectMapper INSTANCE = JsonMapper.builder().build();
    }

    /**
     * The text of {@code file}, else of {@code literal}, else (null or "-") of standard input;
     * a file or standard input must be UTF-8 (FORMAT.md: JSON is UTF-8), else {@link CodecException}.
     */
    static String read(String literal, Path file) throws IOException {
        byte[] bytes;
        if (file != null) {
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                throw new NoSuchFileException(file.toString(), null, "no such file; nothing was published");
            } catch (AccessDeniedException e) {
                throw new AccessDeniedException(file.toString(), null, "no read permission on it; nothing was published");
            } catch (IOException e) { // e.g. a directory: "Is a directory", without the path
                throw new FileSystemException(file.toString(), null, "cannot read it ("
                        + (e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage())
                        + "); nothing was published");
            }
        } else if (literal == null || literal.equals("-")) {
            bytes = System.in.readAllBytes();
        } else {
            return literal;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CodecException(source(literal, file) + " is not UTF-8 text (JSON is UTF-8); nothing was published", e);
        }
    }

    /**
     * Parses one JSON document within Jackson's default limits; {@link CodecException} naming
     * {@code source} if it is not valid JSON, exceeds them, or holds what put would not publish
     * as given: a number beyond a double's range (Jackson reads it as Infinity, written as the
     * string "Infinity") or a string with an unpaired surrogate (written as "?"). The message
     * says where the text breaks the grammar ({@link JsonSyntax}; Python's CLI prints the same
     * line); the parser's own error is the cause (shown by --verbose).
     */
    static JsonNode parse(String text, String source) {
        JsonNode node;
        try {
            node = mapper().readTree(text);
        } catch (JacksonException e) {
            throw new CodecException(invalid(source, text, "nothing was published"), e);
        }
        if (node == null || node.isMissingNode()) {
            throw new CodecException(source + " is empty, not a JSON value; nothing was published", null);
        }
        String refused = refused(node, true);
        if (refused != null) {
            throw new CodecException(invalid(source, text, "nothing was published"), new IllegalArgumentException(refused));
        }
        return node;
    }

    /**
     * Why {@code text} from {@code source} was refused: where it breaks the grammar, else the
     * limits (docs/CLI.md lists them too), then {@code outcome}.
     */
    static String invalid(String source, String text, String outcome) {
        String syntax = JsonSyntax.error(text);
        return source + (syntax != null ? " is not valid JSON: " + syntax : " exceeds the JSON limits (at most 500 nested"
                + " arrays and objects, numbers of at most 1000 digits and within a double's range, member names of at"
                + " most 50000 characters, no unpaired surrogate)") + "; " + outcome;
    }

    /**
     * What in {@code root} would not be printed or published as given, or null: a string with an
     * unpaired surrogate (UTF-8 cannot hold it; Jackson would write "?"), and with
     * {@code numbers} a number beyond a double's range.
     */
    private static String refused(JsonNode root, boolean numbers) {
        CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder();
        Deque<JsonNode> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (numbers && n.isDouble() && Double.isInfinite(n.doubleValue())) {
                return "a number beyond the range of a double";
            }
            if (n.isString() && !utf8.canEncode(n.stringValue())) {
                return "a string with an unpaired surrogate";
            }
            for (String name : n.propertyNames()) {
                if (!utf8.canEncode(name)) {
                    return "a member name with an unpaired surrogate";
                }
            }
            n.forEach(todo::push);
        }
        return null;
    }

    /**
     * A published JSON payload, as {@code get} and {@code watch} print it: UTF-8 decoded strictly
     * (FORMAT.md: JSON is UTF-8) and parsed within Jackson's default limits, no string with an
     * unpaired surrogate escape (docs/CLI.md);
     * {@link CodecException} naming {@code source} otherwise, the parser's error as its cause
     * (shown by --verbose; Python's CLI prints the same line).
     */
    static JsonNode published(Snapshot s, String source) {
        return publishedTree(decode(s, source), source);
    }

    /**
     * As {@code get} prints a published JSON payload: the compact text of {@link #published},
     * or with {@code raw} a string value itself. Copied token by token with jackson-core, which
     * checks as strictly and prints the same bytes without databind's start-up; a member name
     * given twice in one object (the tree keeps the last value, where the first stood) goes
     * through the tree instead.
     */
    static String publishedCompact(Snapshot s, String source, boolean raw) {
        String text = decode(s, source);
        try (JsonParser p = Streaming.FACTORY.createParser(ObjectReadContext.empty(), text)) {
            StringWriter out = new StringWriter(text.length());
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new CodecException(invalid(source, text, PUBLISHED), null);
            }
            String value;
            if (raw && first == JsonToken.VALUE_STRING) {
                value = p.getString();
                refuseUnpaired(value, "a string with an unpaired surrogate", source, text);
            } else {
                try (JsonGenerator g = Streaming.FACTORY.createGenerator(ObjectWriteContext.empty(), out)) {
                    if (!copy(p, g, source, text)) {
                        JsonNode node = publishedTree(text, source);
                        return raw && node.isString() ? node.stringValue() : mapper().writeValueAsString(node);
                    }
                }
                value = out.toString();
            }
            if (p.nextToken() != null) {
                throw new CodecException(invalid(source, text, PUBLISHED), null);
            }
            return value;
        } catch (JacksonException e) {
            throw new CodecException(invalid(source, text, PUBLISHED), e);
        }
    }

    /** What a published payload that is not valid JSON needs. */
    private static final String PUBLISHED = "its master must publish a valid value";

    private static final class Streaming {
        static final JsonFactory FACTORY = new JsonFactory(); // the defaults, as JsonMapper's
    }

    /**
     * Copies the value at {@code p}'s current token to {@code g} as a tree would print it
     * (numbers by their parsed type, a float as a double); false, leaving {@code g} incomplete,
     * at a member name given twice in one object.
     */
    private static boolean copy(JsonParser p, JsonGenerator g, String source, String text) {
        Deque<Set<String>> names = new ArrayDeque<>();
        JsonToken t = p.currentToken();
        while (true) {
            switch (t) {
                case START_OBJECT -> {
                    names.push(new HashSet<>());
                    g.writeStartObject();
                }
                case END_OBJECT -> {
                    names.pop();
                    g.writeEndObject();
                }
                case START_ARRAY -> g.writeStartArray();
                case END_ARRAY -> g.writeEndArray();
                case PROPERTY_NAME -> {
                    String name = p.currentName();
                    refuseUnpaired(name, "a member name with an unpaired surrogate", source, text);
                    if (!names.peek().add(name)) {
                        return false;
                    }
                    g.writeName(name);
                }
                case VALUE_STRING -> {
                    String value = p.getString();
                    refuseUnpaired(value, "a string with an unpaired surrogate", source, text);
                    g.writeString(value);
                }
                case VALUE_NUMBER_INT -> {
                    switch (p.getNumberType()) {
                        case INT -> g.writeNumber(p.getIntValue());
                        case LONG -> g.writeNumber(p.getLongValue());
                        default -> g.writeNumber(p.getBigIntegerValue());
                    }
                }
                case VALUE_NUMBER_FLOAT -> g.writeNumber(p.getDoubleValue());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> throw new IllegalStateException("unexpected JSON token " + t);
            }
            if (p.streamReadContext().inRoot()) {
                return true;
            }
            t = p.nextToken();
        }
    }

    private static void refuseUnpaired(String s, String what, String source, String text) {
        if (!StandardCharsets.UTF_8.newEncoder().canEncode(s)) {
            throw new CodecException(invalid(source, text, PUBLISHED), new IllegalArgumentException(what));
        }
    }

    /** A published JSON payload as UTF-8 text, decoded strictly (FORMAT.md: JSON is UTF-8). */
    private static String decode(Snapshot s, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(s.buffer()).toString();
        } catch (CharacterCodingException e) {
            throw new CodecException(source + " is not UTF-8 text (JSON is UTF-8); " + PUBLISHED, e);
        }
    }

    private static JsonNode publishedTree(String text, String source) {
        try {
            JsonNode node = mapper().readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new CodecException(invalid(source, text, PUBLISHED), null);
            }
            String refused = refused(node, false);
            if (refused != null) {
                throw new CodecException(invalid(source, text, PUBLISHED), new IllegalArgumentException(refused));
            }
            return node;
        } catch (JacksonException e) {
            throw new CodecException(invalid(source, text, PUBLISHED), e);
        }
    }

    /** A published TEXT payload: UTF-8 decoded strictly (FORMAT.md), else {@link CodecException} naming {@code source}. */
    static String publishedText(Snapshot s, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(s.buffer()).toString();
        } catch (CharacterCodingException e) {
            throw new CodecException(source + " is not valid UTF-8 text; its master must publish a valid value", e);
        }
    }

    /** Where the value came from, for messages. */
    static String source(String literal, Path file) {
        return file != null ? file.toString() : literal == null || literal.equals("-") ? "standard input" : "the JSON argument";
    }
}
