package io.shm4j.bench;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link Payload} for the peers that carry JSON (the file, shm4j's JSON tree):
 * {@code {"seq":..,"sent":..,"phase":..,"data":"xxxx.."}}, the filler sized so the document is
 * about the payload size.
 */
final class JsonPayload {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();
    /** Bytes of the document besides the filler string, roughly: keys, digits, quotes. */
    private static final int DOCUMENT_OVERHEAD = 80;

    private final String filler;

    JsonPayload(int payloadSize) {
        filler = "x".repeat(Math.max(0, payloadSize - DOCUMENT_OVERHEAD));
    }

    /** A new document carrying {@code payload}'s header. */
    ObjectNode document(byte[] payload) {
        ObjectNode document = MAPPER.createObjectNode();
        document.put("seq", Payload.seq(payload));
        document.put("sent", Payload.sentNanos(payload));
        document.put("phase", Payload.phase(payload));
        document.put("data", filler);
        return document;
    }

    static long seq(JsonNode document) {
        return document.get("seq").asLong();
    }

    static void read(JsonNode document, Observation into) {
        into.set(seq(document), document.get("sent").asLong(), document.get("phase").asInt());
    }
}
