package io.shm4j;

import io.shm4j.internal.ObjectRegion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Entry point of the child JVMs in the shared-object tests. Usage:
 * {@code ObjectPeerMain MODE DIR TAG [ARGS]}; prints {@code READY} once set up and a final
 * {@code RESULT ...} line.
 * <ul>
 *   <li>{@code stress-master DIR TAG SECONDS MAXLEN}: publish self-checking payloads of random size at full speed.</li>
 *   <li>{@code stress-follower DIR TAG SECONDS}: validate every snapshot and buffered read; report reads and invalid ones.</li>
 *   <li>{@code count-master DIR TAG COUNT}: publish {"n":1}..{"n":COUNT} as JSON, 1 ms apart.</li>
 *   <li>{@code json-follower DIR TAG LAST}: read until {"n":LAST}; report versions seen and any non-increasing n.</li>
 *   <li>{@code hold-master DIR TAG}: become master, publish one object, wait for stdin to close.</li>
 *   <li>{@code try-master DIR TAG}: try to become master; RESULT ok or conflict pid=N.</li>
 *   <li>{@code try-master-loop DIR TAG}: the same once per line read from stdin.</li>
 *   <li>{@code load-once DIR TAG MARKER [MILLIS]}: loadOnce with a loader that appends to MARKER and takes MILLIS (300).</li>
 *   <li>{@code follow-once DIR TAG}: open a follower and read; RESULT ok VALUE, or error CLASS MESSAGE.</li>
 * </ul>
 */
public final class ObjectPeerMain {
    private ObjectPeerMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[1]));
        String tag = args[2];
        switch (mode) {
            case "stress-master" -> stressMaster(tag, options, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
            case "stress-follower" -> stressFollower(tag, options, Integer.parseInt(args[3]),
                    s -> SelfCheckingPayload.isValid(s.payload()));
            case "count-master" -> countMaster(tag, options, Integer.parseInt(args[3]));
            case "json-follower" -> jsonFollower(tag, options, Integer.parseInt(args[3]));
            case "hold-master" -> holdMaster(tag, options);
            case "try-master" -> tryMaster(tag, options);
            case "try-master-loop" -> {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                while (in.readLine() != null) {
                    tryMaster(tag, options);
                    System.out.flush();
                }
            }
            case "load-once" -> loadOnce(tag, options, Path.of(args[3]), args.length > 4 ? Long.parseLong(args[4]) : 300);
            case "follow-once" -> followOnce(tag, options);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.flush();
    }

    private static void stressMaster(String tag, ShmOptions options, int seconds, int maxLength) throws Exception {
        SplittableRandom random = new SplittableRandom();
        try (SharedObjectMaster<byte[]> master = SharedObject.master(tag, ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(random.nextLong(), 100));
            System.out.println("READY " + master.version());
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long published = 0;
            while (System.nanoTime() < end) {
                master.publish(SelfCheckingPayload.create(random.nextLong(), SelfCheckingPayload.randomLength(random, maxLength)));
                published++;
            }
            System.out.println("RESULT published=" + published + " version=" + master.version());
        }
    }

    /**
     * Validates every version the follower API returns ({@code snapshot()}, and
     * {@code readNewer} into a reused buffer), and between those forces full protocol reads
     * (copy, seq re-check, CRC) of the committed slot through the internal region, into a new
     * array and into a reused buffer, so every counted read went through the seqlock, not the
     * cache. {@code valid} checks one snapshot (other modules' peers reuse this loop with their
     * own payloads).
     */
    public static void stressFollower(String tag, ShmOptions options, int seconds, Predicate<Snapshot> valid) throws Exception {
        Path file = options.directory().resolve(tag);
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            ObjectRegion raw = ObjectRegion.openReadOnly(tag, file);
            SnapshotBuffer buffer = new SnapshotBuffer();
            SnapshotBuffer forcedBuffer = new SnapshotBuffer();
            long lastBuffered = 0;
            System.out.println("READY");
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            long reads = 0;
            long newVersions = 0;
            long invalid = 0;
            long last = 0;
            long backwards = 0;
            while (System.nanoTime() < end) {
                Snapshot s = follower.snapshot();
                reads++;
                if (s.version() != last) {
                    if (s.version() < last) {
                        backwards++;
                    }
                    last = s.version();
                    newVersions++;
                    if (!valid.test(s)) {
                        invalid++;
                    }
                }
                if (raw.isSuperseded()) {
                    ObjectRegion next = ObjectRegion.openReadOnly(tag, file);
                    raw.close();
                    raw = next;
                }
                if (follower.readNewer(buffer)) {
                    reads++;
                    if (buffer.version() < lastBuffered) {
                        backwards++;
                    }
                    lastBuffered = buffer.version();
                    if (!valid.test(snapshotOf(buffer))) {
                        invalid++;
                    }
                }
                Snapshot forced = raw.readCommitted();
                reads++;
                if (!valid.test(forced)) {
                    invalid++;
                }
                raw.readCommitted(forcedBuffer.sink());
                reads++;
                if (!valid.test(snapshotOf(forcedBuffer))) {
                    invalid++;
                }
            }
            raw.close();
            System.out.println("RESULT reads=" + reads + " newVersions=" + newVersions + " invalid=" + invalid
                    + " backwards=" + backwards + " last=" + last);
        }
    }

    private static Snapshot snapshotOf(SnapshotBuffer b) {
        return new Snapshot(b.version(), b.publishTimeNanos(), b.contentType(), Arrays.copyOf(b.array(), b.length()));
    }

    private static void countMaster(String tag, ShmOptions options, int count) throws Exception {
        try (SharedObjectMaster<Object> master = SharedObject.master(tag, options)) {
            System.out.println("READY");
            for (int n = 1; n <= count; n++) {
                master.publish(java.util.Map.of("n", n, "pad", "x".repeat(n * 37 % 5000)));
                Thread.sleep(1);
            }
            System.out.println("RESULT version=" + master.version());
        }
    }

    private static void jsonFollower(String tag, ShmOptions options, int last) throws Exception {
        try (SharedObjectFollower<tools.jackson.databind.JsonNode> follower =
                     SharedObject.follower(tag, tools.jackson.databind.JsonNode.class, options)) {
            System.out.println("READY");
            int previous = 0;
            int distinct = 0;
            int outOfOrder = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (previous < last && System.nanoTime() < deadline) {
                tools.jackson.databind.JsonNode node = follower.get();
                if (node == null) {
                    Thread.onSpinWait();
                    continue;
                }
                int n = node.get("n").asInt();
                if (node.get("pad").asString().length() != n * 37 % 5000) {
                    outOfOrder++; // a mismatched pair would mean a mixed object
                }
                if (n != previous) {
                    if (n < previous) {
                        outOfOrder++;
                    }
                    previous = n;
                    distinct++;
                }
            }
            System.out.println("RESULT last=" + previous + " distinct=" + distinct + " bad=" + outOfOrder);
        }
    }

    private static void holdMaster(String tag, ShmOptions options) throws Exception {
        try (SharedObjectMaster<Object> master = SharedObject.master(tag, options)) {
            master.publish(java.util.Map.of("holder", ProcessHandle.current().pid()));
            System.out.println("READY " + ProcessHandle.current().pid());
            while (System.in.read() >= 0) {
                // wait for the parent to close stdin
            }
        }
    }

    private static void tryMaster(String tag, ShmOptions options) throws Exception {
        long version;
        try (SharedObjectMaster<Object> master = SharedObject.master(tag, options)) {
            version = master.version();
        } catch (MasterConflictException e) {
            System.out.println("RESULT conflict pid=" + e.holderPid());
            return;
        }
        System.out.println("RESULT ok version=" + version); // once closed: the next attempt may take it
    }

    private static void followOnce(String tag, ShmOptions options) {
        try (SharedObjectFollower<String> follower = SharedObject.follower(tag, String.class, options)) {
            System.out.println("RESULT ok " + follower.get());
        } catch (Exception e) {
            System.out.println("RESULT error " + e.getClass().getName() + " " + e.getMessage());
        }
    }

    private static void loadOnce(String tag, ShmOptions options, Path marker, long loadMillis) throws Exception {
        System.out.println("READY");
        String value = SharedObject.loadOnce(tag, ObjectCodecs.text(), options, () -> {
            try {
                java.nio.file.Files.writeString(marker, ProcessHandle.current().pid() + "\n",
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                Thread.sleep(loadMillis);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return "loaded-by-" + ProcessHandle.current().pid();
        });
        System.out.println("RESULT value=" + value);
    }
}
