package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import tools.jackson.databind.JsonNode;

/**
 * The naive file way: the master serializes a JSON document (header fields plus a filler string,
 * about the payload size) to a temporary file and renames it over {@code state.json}; a follower
 * polls the path's attributes in a tight loop and, when the file behind it changed, reads it whole
 * and parses it with Jackson. Busy polling gives this peer its best latency; a real application
 * would sleep between polls and be slower.
 */
public final class JsonFilePeer implements Peer {
    @Override
    public String name() {
        return "file";
    }

    @Override
    public boolean busyPolls() {
        return true;
    }

    @Override
    public String description() {
        return "JSON file rewritten atomically (temp + rename); follower busy-polls stat, re-reads and parses";
    }

    @Override
    public Publisher publisher(PeerContext context) throws Exception {
        Path target = file(context);
        Path temporary = context.directory().resolve("state.json.tmp");
        JsonPayload json = new JsonPayload(context.payloadSize());
        Publisher publisher = new Publisher() {
            @Override
            public void publish(byte[] payload) throws IOException {
                Files.write(temporary, JsonPayload.MAPPER.writeValueAsBytes(json.document(payload)));
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public void close() {
            }
        };
        byte[] initial = Payload.allocate(context.payloadSize());
        Payload.stamp(initial, 0, Payload.WARMUP);
        publisher.publish(initial);
        return publisher;
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) {
        Path path = file(context);
        return new Subscriber() {
            private Object seenKey;
            private long seenSeq = -1;

            @Override
            public void next(Observation into) throws IOException {
                while (true) {
                    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                    // A rename gives the path a new inode (tmpfs numbers inodes without reuse).
                    Object key = attributes.fileKey();
                    if (Objects.equals(key, seenKey)) {
                        Thread.onSpinWait();
                        continue;
                    }
                    seenKey = key;
                    JsonNode document = JsonPayload.MAPPER.readTree(Files.readAllBytes(path));
                    if (JsonPayload.seq(document) != seenSeq) {
                        seenSeq = JsonPayload.seq(document);
                        JsonPayload.read(document, into);
                        return;
                    }
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static Path file(PeerContext context) {
        return context.directory().resolve("state.json");
    }
}
