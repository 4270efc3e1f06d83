package io.shm4j.cli;

import io.shm4j.ShmOptions;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.Snapshot;
import tools.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The processes of {@code shm4j demo objects}, each its own JVM:
 * {@code ObjectsDemoPeer master DIR TAG SECONDS} publishes a changing configuration about five
 * times a second, then a final {@code {"done":true}}; {@code ObjectsDemoPeer follower DIR TAG N}
 * prints every version it sees with its age, until done.
 */
final class ObjectsDemoPeer {
    /** "µs" where the terminal's charset has it; "us" under a C/POSIX locale, which would print "?s". */
    private static final String MICROSECONDS = System.out.charset().newEncoder().canEncode('µ') ? "µs" : "us";
    private static final List<String> COLORS = List.of("red", "orange", "yellow", "green", "blue", "indigo", "violet");

    private ObjectsDemoPeer() {
    }

    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[1]));
        String tag = args[2];
        if (args[0].equals("master")) {
            master(tag, options, Integer.parseInt(args[3]));
        } else {
            follower(tag, options, Integer.parseInt(args[3]));
        }
    }

    private static void master(String tag, ShmOptions options, int seconds) throws Exception {
        try (SharedObjectMaster<Object> master = SharedObject.master(tag, options)) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int n = 1; System.nanoTime() < end; n++) {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("color", COLORS.get(n % COLORS.size()));
                config.put("threads", 1 + n % 8);
                config.put("features", Map.of("cache", n % 3 != 0, "beta", n % 5 == 0));
                config.put("note", "x".repeat(n * 97 % 3000)); // sizes vary; the region grows as needed
                config.put("noteLength", n * 97 % 3000);       // lets followers check each object is whole
                long v = master.publish(config);
                System.out.printf("published v%d  color=%s threads=%d (%d-byte note)%n", v, config.get("color"),
                        config.get("threads"), ((String) config.get("note")).length());
                Thread.sleep(200);
            }
            long v = master.publish(Map.of("done", true));
            System.out.printf("published v%d  done; the master exits, the region stays for followers%n", v);
        }
    }

    private static void follower(String tag, ShmOptions options, int number) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        SharedObjectFollower<JsonNode> follower = null;
        while (follower == null) { // the master may not have created the region yet
            try {
                follower = SharedObject.follower(tag, JsonNode.class, options);
            } catch (io.shm4j.RegionNotFoundException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(10);
            }
        }
        try (SharedObjectFollower<JsonNode> f = follower) {
            long seen = 0;
            int versions = 0;
            int broken = 0;
            while (System.nanoTime() < deadline) {
                java.util.Optional<Snapshot> next = f.awaitNewer(seen, java.time.Duration.ofSeconds(1)); // sleeps in the kernel
                if (next.isEmpty()) {
                    continue;
                }
                Snapshot s = next.get();
                JsonNode config = JsonInput.mapper().readTree(s.text()); // this very version
                seen = s.version();
                versions++;
                java.time.Instant now = java.time.Instant.now();
                double ageMicros = (now.getEpochSecond() * 1e9 + now.getNano() - s.publishTimeNanos()) / 1000.0;
                if (config.path("done").asBoolean(false)) {
                    System.out.printf("saw %d versions, %s; last v%d. Bye.%n", versions,
                            broken == 0 ? "every one whole" : broken + " BROKEN", seen);
                    System.exit(broken == 0 ? 0 : 1);
                }
                if (config.get("note").asString().length() != config.get("noteLength").asInt()) {
                    broken++;
                }
                System.out.printf("v%d  color=%s threads=%d  age %.0f %s%n", seen,
                        config.get("color").asString(), config.get("threads").asInt(), Math.max(0, ageMicros), MICROSECONDS);
            }
            System.out.println("gave up waiting for the master");
            System.exit(1);
        }
    }
}
