package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.Snapshot;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** JSON values given to {@code put} and {@code serve}: read, then parsed strictly before anything is published. */
final class JsonInput {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private JsonInput() {
    }

    /** The text of {@code file}, else of {@code literal}, else (null or "-") of standard input. */
    static String read(String literal, Path file) throws IOException {
        if (file != null) {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        if (literal == null || literal.equals("-")) {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return literal;
    }

    /** Parses one JSON document; {@link CodecException} naming {@code source} if it is not valid JSON. */
    static JsonNode parse(String text, String source) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new CodecException(source + " is empty, not a JSON value; nothing was published", null);
            }
            return node;
        } catch (JacksonException e) {
            throw new CodecException(source + " is not valid JSON (" + e.getOriginalMessage() + "); nothing was published", e);
        }
    }

    /**
     * A published JSON payload, as {@code get} and {@code watch} print it: UTF-8 decoded strictly
     * (FORMAT.md: JSON is UTF-8) and parsed within Jackson's default limits (docs/CLI.md);
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
