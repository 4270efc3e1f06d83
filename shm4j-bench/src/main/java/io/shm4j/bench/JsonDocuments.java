package io.shm4j.bench;

import java.nio.charset.StandardCharsets;

/**
 * Configuration-like JSON documents of a given size for the JSON benchmarks: an object holding an
 * array of small records (numbers, strings, booleans, a nested array), so that parsing costs what
 * real configuration costs, not what one long string costs.
 */
public final class JsonDocuments {

    private JsonDocuments() {
    }

    /** A document of at least {@code minBytes} UTF-8 bytes (at most one record more). */
    public static byte[] ofSize(int minBytes) {
        StringBuilder json = new StringBuilder("{\"version\":1,\"items\":[");
        for (int i = 0; json.length() + 2 < minBytes || i == 0; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"id\":").append(i)
                    .append(",\"name\":\"item-").append(i)
                    .append("\",\"enabled\":").append(i % 3 != 0)
                    .append(",\"weight\":").append(i * 0.25)
                    .append(",\"tags\":[\"t").append(i % 7).append("\",\"g").append(i % 5).append("\"]}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
}
