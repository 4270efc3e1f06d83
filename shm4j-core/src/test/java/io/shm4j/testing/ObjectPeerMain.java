package io.shm4j.testing;

import io.shm4j.MasterConflictException;
import io.shm4j.ObjectCodecs;
import io.shm4j.RegionShrunkException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;
import io.shm4j.internal.ObjectRegion;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Entry point of the child JVMs in the shared-object tests. Usage:
 * {@code ObjectPeerMain MODE DIR TAG [ARGS]}; prints {@code READY} once set up and a final
 * {@code RESULT ...} line.
 * <ul>
 *   <li>{@code stress-master DIR TAG MAXLEN}: publish self-checking payloads of random size at full speed
 *       until stdin closes (its readers said they are done; or {@link #SAFETY_DEADLINE_NANOS}).</li>
 *   <li>{@code stress-follower DIR TAG MIN_SECONDS UNTIL}: validate every snapshot and buffered read for at
 *       least MIN_SECONDS and until UNTIL: {@code versions=N} new versions seen, or {@code stdin}: stdin said
 *       {@code stop V} and version V was seen; report reads, invalid ones and {@code done} (false if
 *       {@link #WORK_DEADLINE_NANOS} passed first).</li>
 *   <li>{@code spin-follower DIR TAG VERSIONS}: wait with {@code BUSY_SPIN} in {@code awaitNewer(SnapshotBuffer)}
 *       (which reads ahead of commits, FORMAT.md 5.2) and validate every version until VERSIONS new ones were
 *       seen; report them as stress-follower does, and {@code ahead}: how many arrived in the buffer's other
 *       array (read ahead).</li>
 *   <li>{@code count-master DIR TAG COUNT}: publish {"n":1}..{"n":COUNT} as JSON, 1 ms apart.</li>
 *   <li>{@code json-follower DIR TAG LAST}: read until {"n":LAST}; report versions seen and any non-increasing n.</li>
 *   <li>{@code hold-master DIR TAG}: become master, publish one object, wait for stdin to close.</li>
 *   <li>{@code try-master DIR TAG}: try to become master; RESULT ok or conflict pid=N.</li>
 *   <li>{@code try-master-loop DIR TAG}: the same once per line read from stdin.</li>
 *   <li>{@code load-once DIR TAG MARKER [MILLIS]}: loadOnce with a loader that appends to MARKER and takes MILLIS (300).</li>
 *   <li>{@code follow-once DIR TAG}: open a follower and read; RESULT ok VALUE, or error CLASS MESSAGE.</li>
 *   <li>{@code shrink-master DIR TAG}: publish self-checking payloads until stdin closes; RESULT counts what
 *       publish threw (errors, other, first).</li>
 *   <li>{@code shrink-follower DIR TAG}: opens a follower, prints READY, waits for {@code go} on stdin
 *       (so that a test decides whether its first read comes before or after a truncation), then
 *       reads with get, snapshot and readNewer until stdin says {@code stop V}
 *       and version V was seen (or 120 s passed); prints {@code SHRUNK message} on the first
 *       RegionShrunkException; RESULT counts versions, invalid ones, what was thrown.</li>
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
            case "stress-master" -> stressMaster(tag, options, Integer.parseInt(args[3]));
            case "stress-follower" -> stressFollower(tag, options, Integer.parseInt(args[3]), args[4],
                    s -> SelfCheckingPayload.isValid(s.bytes()));
            case "stress-follower-unverified" -> stressFollower(tag, options.withVerifyChecksums(false),
                    Integer.parseInt(args[3]), args[4], s -> SelfCheckingPayload.isValid(s.bytes()));
            case "spin-follower" -> spinFollower(tag, options.withWaitStrategy(WaitStrategy.BUSY_SPIN), Long.parseLong(args[3]));
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
            case "shrink-master" -> shrinkMaster(tag, options);
            case "shrink-follower" -> shrinkFollower(tag, options);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        }
        System.out.flush();
    }

    /** How long a publishing peer goes on if nobody tells it to stop: a test that forgot it. */
    public static final long SAFETY_DEADLINE_NANOS = 600_000_000_000L;
    /** How long a reading peer tries to do its work before it reports {@code done=false}. */
    public static final long WORK_DEADLINE_NANOS = 300_000_000_000L;

    private static void stressMaster(String tag, ShmOptions options, int maxLength) throws Exception {
        SplittableRandom random = new SplittableRandom();
        var stdin = stdinLines();
        try (SharedObjectMaster<byte[]> master = SharedObject.master(tag, ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(random.nextLong(), 100));
            System.out.println("READY " + master.version());
            long end = System.nanoTime() + SAFETY_DEADLINE_NANOS;
            long published = 0;
            while (stdin.isEmpty() && System.nanoTime() < end) {
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
    public static void stressFollower(String tag, ShmOptions options, int minSeconds, String until,
                                      Predicate<Snapshot> valid) throws Exception {
        Path file = options.directory().resolve(tag);
        long minVersions = until.startsWith("versions=") ? Long.parseLong(until.substring("versions=".length())) : 0;
        var stdin = until.equals("stdin") ? stdinLines() : null;
        long stopAt = stdin == null ? 0 : -1; // -1: not told yet
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            ObjectRegion raw = ObjectRegion.openReadOnly(tag, file, options.verifyChecksums());
            SnapshotBuffer buffer = new SnapshotBuffer();
            SnapshotBuffer forcedBuffer = new SnapshotBuffer();
            long lastBuffered = 0;
            System.out.println("READY");
            long start = System.nanoTime();
            long minEnd = start + minSeconds * 1_000_000_000L;
            long deadline = minEnd + WORK_DEADLINE_NANOS;
            long reads = 0;
            long newVersions = 0;
            long invalid = 0;
            long last = 0;
            long backwards = 0;
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                if (stopAt < 0 && stdin.peek() != null && stdin.peek().startsWith("stop ")) {
                    stopAt = Long.parseLong(stdin.poll().substring("stop ".length()));
                }
                done = System.nanoTime() >= minEnd && newVersions >= minVersions && stopAt >= 0 && last >= stopAt;
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
                    ObjectRegion next = ObjectRegion.openReadOnly(tag, file, raw.verifies());
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
                forcedBuffer.clear(); // a whole read of the current version every time, into a reused array
                follower.readNewer(forcedBuffer);
                reads++;
                if (!valid.test(snapshotOf(forcedBuffer))) {
                    invalid++;
                }
            }
            raw.close();
            System.out.println("RESULT reads=" + reads + " newVersions=" + newVersions + " invalid=" + invalid
                    + " backwards=" + backwards + " last=" + last + " done=" + done
                    + " millis=" + (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static void spinFollower(String tag, ShmOptions options, long versions) throws Exception {
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            System.out.println("READY");
            long start = System.nanoTime();
            long newVersions = 0;
            long invalid = 0;
            long backwards = 0;
            long ahead = 0;
            long last = 0;
            while (newVersions < versions && System.nanoTime() - start < WORK_DEADLINE_NANOS) {
                byte[] before = buffer.array();
                if (follower.awaitNewer(buffer, Duration.ofSeconds(1))) {
                    newVersions++;
                    backwards += buffer.version() < last ? 1 : 0;
                    last = buffer.version();
                    invalid += SelfCheckingPayload.isValid(Arrays.copyOf(buffer.array(), buffer.length())) ? 0 : 1;
                    // A read-ahead swaps in the buffer's second array; a normal read keeps the array unless it grows.
                    ahead += buffer.array() != before && before.length >= buffer.length() ? 1 : 0;
                }
            }
            System.out.println("RESULT newVersions=" + newVersions + " invalid=" + invalid + " backwards=" + backwards
                    + " last=" + last + " done=" + (newVersions >= versions) + " ahead=" + ahead
                    + " millis=" + (System.nanoTime() - start) / 1_000_000);
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

    /** What a loop caught, by kind; {@code errors} must stay 0 (no {@link Error} escapes shm4j). */
    private static final class Caught {
        long shrunk;
        long errors;
        long other;
        String first;

        void add(Throwable t) {
            if (t instanceof RegionShrunkException) {
                shrunk++;
            } else if (t instanceof Error) {
                if (errors++ == 0) {
                    t.printStackTrace();
                }
            } else {
                other++;
            }
            if (first == null && !(t instanceof RegionShrunkException)) {
                first = t.toString().replaceAll("\\s", "_");
            }
        }

        @Override
        public String toString() {
            return "shrunk=" + shrunk + " errors=" + errors + " other=" + other + " first=" + first;
        }
    }

    /** A thread that reads stdin lines into {@code lines}; null marks its end. */
    private static java.util.concurrent.BlockingQueue<String> stdinLines() {
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // parent gone
            }
            lines.add("EOF");
        });
        t.setDaemon(true);
        t.start();
        return lines;
    }

    private static void shrinkMaster(String tag, ShmOptions options) throws Exception {
        var stdin = stdinLines();
        SplittableRandom random = new SplittableRandom();
        Caught caught = new Caught();
        long published = 0;
        try (SharedObjectMaster<byte[]> master = SharedObject.master(tag, ObjectCodecs.bytes(), options)) {
            master.publish(SelfCheckingPayload.create(random.nextLong(), 3000));
            System.out.println("READY " + master.version());
            while (stdin.peek() == null) {
                try {
                    // both slots, their payloads across page boundaries
                    master.publish(SelfCheckingPayload.create(random.nextLong(), 1000 + random.nextInt(3000)));
                    published++;
                } catch (Throwable t) {
                    caught.add(t);
                }
            }
            System.out.println("RESULT published=" + published + " version=" + master.version() + " " + caught);
        }
    }

    private static void shrinkFollower(String tag, ShmOptions options) throws Exception {
        var stdin = stdinLines();
        Caught caught = new Caught();
        long versions = 0;
        long invalid = 0;
        long last = 0;
        long stopAt = -1;
        long deadline = Long.MAX_VALUE;
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            SnapshotBuffer buffer = new SnapshotBuffer();
            System.out.println("READY");
            System.out.flush();
            while (!"go".equals(stdin.take())) {
                // lines before go are not for this peer
            }
            while (stopAt < 0 || (last < stopAt && System.nanoTime() < deadline)) {
                String line = stdin.poll();
                if (line != null && line.startsWith("stop ")) {
                    stopAt = Long.parseLong(line.substring(5));
                    deadline = System.nanoTime() + 120_000_000_000L;
                }
                try {
                    byte[] value = follower.get();
                    Snapshot s = follower.snapshot();
                    if (value == null || s == null || !SelfCheckingPayload.isValid(value) || !SelfCheckingPayload.isValid(s.bytes())) {
                        invalid++;
                    }
                    if (follower.readNewer(buffer)) {
                        if (!SelfCheckingPayload.isValid(Arrays.copyOf(buffer.array(), buffer.length()))) {
                            invalid++;
                        }
                    }
                    if (s != null && s.version() != last) {
                        last = s.version();
                        versions++;
                    }
                } catch (Throwable t) {
                    if (t instanceof RegionShrunkException && caught.shrunk == 0) {
                        System.out.println("SHRUNK " + t.getMessage());
                    }
                    caught.add(t);
                }
            }
            System.out.println("RESULT versions=" + versions + " last=" + last + " invalid=" + invalid + " " + caught);
        }
    }
}
