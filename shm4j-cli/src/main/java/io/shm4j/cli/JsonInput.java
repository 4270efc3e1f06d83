package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.Snapshot;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
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
import java.util.List;

/** JSON values given to {@code put} and {@code serve}: read, then parsed strictly before anything is published. */
final class JsonInput {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private JsonInput() {
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
            throw new CodecException(invalid(source(literal, file)), e);
        }
    }

    /**
     * Parses one JSON document within Jackson's default limits; {@link CodecException} naming
     * {@code source} if it is not valid JSON, exceeds them, or holds what put would not publish
     * as given: a number beyond a double's range (Jackson reads it as Infinity, written as the
     * string "Infinity") or a string with an unpaired surrogate (written as "?"). The parser's
     * error is only the cause (shown by --verbose; Python's CLI prints the same line).
     */
    static JsonNode parse(String text, String source) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw new CodecException(invalid(source), e);
        }
        if (node == null || node.isMissingNode()) {
            throw new CodecException(source + " is empty, not a JSON value; nothing was published", null);
        }
        String refused = refused(node, true);
        if (refused != null) {
            throw new CodecException(invalid(source), new IllegalArgumentException(refused));
        }
        return node;
    }

    private static String invalid(String source) {
        return source + " is not valid JSON or exceeds the JSON limits (docs/CLI.md); nothing was published";
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
        String invalid = source + " is not valid JSON or exceeds the JSON limits (docs/CLI.md); its master must publish a valid value";
        try {
            JsonNode node = MAPPER.readTree(StandardCharsets.UTF_8.newDecoder().decode(s.buffer()).toString());
            if (node == null || node.isMissingNode()) {
                throw new CodecException(invalid, null);
            }
            String refused = refused(node, false);
            if (refused != null) {
                throw new CodecException(invalid, new IllegalArgumentException(refused));
            }
            return node;
        } catch (CharacterCodingException | JacksonException e) {
            throw new CodecException(invalid, e);
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
