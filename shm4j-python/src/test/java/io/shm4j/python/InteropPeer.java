package io.shm4j.python;

import io.shm4j.ObjectCodecs;
import io.shm4j.ObjectPeerMain;
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
 *   <li>{@code json-master DIR TAG SECONDS}: publish at full speed; prints {@code READY n}, then
 *       {@code RESULT version=N}.</li>
 *   <li>{@code json-follower DIR TAG SECONDS}: {@link ObjectPeerMain#stressFollower} with these
 *       objects; prints {@code READY}, then {@code RESULT reads=.. newVersions=.. invalid=.. backwards=.. last=..}.</li>
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
        int seconds = Integer.parseInt(args[3]);
        switch (args[0]) {
            case "json-master" -> master(tag, options, seconds);
            case "json-follower" -> follower(tag, options, seconds);
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

    private static void master(String tag, ShmOptions options, int seconds) throws Exception {
        try (SharedObjectMaster<JsonNode> master = SharedObject.master(tag, ObjectCodecs.jsonTree(), options)) {
            master.publish(payload(master.version() + 1));
            System.out.println("READY " + master.version());
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                master.publish(payload(master.version() + 1));
            }
            System.out.println("RESULT version=" + master.version());
        }
    }

    private static void follower(String tag, ShmOptions options, int seconds) throws Exception {
        ObjectPeerMain.stressFollower(tag, options, seconds, s -> check(s.bytes(), s.version()) == null);
    }
}
