package io.shm4j.python;

import io.shm4j.ObjectCodecs;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.nio.file.Path;

/**
 * The Java side of the cross-language stress, in child JVMs. Objects are the self-checking JSON
 * of python/tests/procs.py: {@code {"n":N,"len":K,"fill":F}}, N the version it is published as,
 * F K copies of the letter {@code 'a' + N % 26}, K cycling through {@link #SIZES} (the same list as
 * procs.py), so objects range from a few bytes to ~300 KiB and the region grows meanwhile.
 * <ul>
 *   <li>{@code json-master DIR TAG}: publish at full speed until stdin closes; prints {@code READY n},
 *       then {@code RESULT version=N}.</li>
 *   <li>{@code json-follower DIR TAG VERSIONS}: {@link ObjectPeerMain#stressFollower} with these
 *       objects until it saw VERSIONS new versions; prints {@code READY}, then
 *       {@code RESULT reads=.. newVersions=.. invalid=.. backwards=.. last=.. done=..}.</li>
 * </ul>
 */
public final class InteropPeer {
    static final int[] SIZES = {0, 1, 17, 100, 1000, 3000, 4000, 50, 20_000, 5, 300_000, 700, 64_000, 2};
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private InteropPeer() {
    }

    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[1]));
        String tag = args[2];
        switch (args[0]) {
            case "json-master" -> master(tag, options);
            case "json-follower" -> follower(tag, options, Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
        System.out.flush();
    }

    static JsonNode payload(long n) {
        int k = SIZES[(int) (n % SIZES.length)];
        ObjectNode o = MAPPER.createObjectNode();
        o.put("n", n);
        o.put("len", k);
        o.put("fill", String.valueOf((char) ('a' + n % 26)).repeat(k));
        return o;
    }

    /** Null if {@code payload} is the whole object published as {@code version}, else what is wrong. */
    static String check(byte[] payload, long version) {
        JsonNode o = MAPPER.readTree(payload);
        if (!o.isObject() || o.path("n").asLong(-1) != version) {
            return "version " + version + " holds " + o.toString().substring(0, Math.min(80, o.toString().length()));
        }
        int k = o.path("len").asInt(-1);
        String fill = o.path("fill").asString("");
        if (fill.length() != k || !fill.equals(String.valueOf((char) ('a' + version % 26)).repeat(k))) {
            return "version " + version + ": fill of length " + fill.length() + " does not match len " + k + " / letter";
        }
        return null;
    }

    private static void master(String tag, ShmOptions options) throws Exception {
        Thread stdin = Thread.ofPlatform().daemon().start(() -> {
            try {
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (java.io.IOException ignored) {
                // parent gone: stop too
            }
        });
        try (SharedObjectMaster<JsonNode> master = SharedObject.master(tag, ObjectCodecs.jsonTree(), options)) {
            master.publish(payload(master.version() + 1));
            System.out.println("READY " + master.version());
            long end = System.nanoTime() + ObjectPeerMain.SAFETY_DEADLINE_NANOS;
            while (stdin.isAlive() && System.nanoTime() < end) { // until the test closes stdin
                master.publish(payload(master.version() + 1));
            }
            System.out.println("RESULT version=" + master.version());
        }
    }

    private static void follower(String tag, ShmOptions options, int versions) throws Exception {
        ObjectPeerMain.stressFollower(tag, options, 0, "versions=" + versions, s -> check(s.bytes(), s.version()) == null);
    }
}
