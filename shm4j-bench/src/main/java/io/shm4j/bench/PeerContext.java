package io.shm4j.bench;

import java.nio.file.Path;
import java.util.Map;

/**
 * What both ends of a peer know: a private directory for the case (under /dev/shm), the payload
 * size, how many followers take part, and properties from the peer's server (a Redis port).
 */
public record PeerContext(Path directory, int payloadSize, int followers, Map<String, String> properties) {

    public PeerContext {
        properties = Map.copyOf(properties);
    }

    /** A server property, or an error naming the missing key. */
    public String property(String key) {
        String value = properties.get(key);
        if (value == null) {
            throw new IllegalStateException("peer property '" + key + "' was not passed to this process");
        }
        return value;
    }
}
