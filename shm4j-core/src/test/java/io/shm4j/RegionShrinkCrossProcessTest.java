package io.shm4j;

import io.shm4j.testing.ChildJvm;
import io.shm4j.testing.ObjectPeerMain;
import io.shm4j.testing.SelfCheckingPayload;
import io.shm4j.testing.TestDirectory;
import io.shm4j.internal.ObjectRegion;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A region file truncated under live Java processes (FORMAT.md 5.4): no process dies or sees
 * an {@link Error}; a master moves the region to a new file, followers follow it; without a
 * master, followers get {@link RegionShrunkException}. Sizes: 0 (even the header page is lost),
 * 100 (the header page stays, zeros past byte 100) and 5000 (part of slot 1 stays).
 */
class RegionShrinkCrossProcessTest {
    private static final Duration START = ChildJvm.START;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private ChildJvm peer(String mode, String tag) throws IOException {
        return ChildJvm.start(ObjectPeerMain.class, mode, dir.path().toString(), tag);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 100, 5000})
    void aMasterMovesTheRegionToANewFileAndFollowersFollow(long size) throws Exception {
        Path file = dir.path().resolve("shrink");
        try (var master = peer("shrink-master", "shrink")) {
            master.awaitLine("READY", START);
            try (var follower = peer("shrink-follower", "shrink")) {
                follower.awaitLine("READY", START);
                send(follower, "go"); // reading before, during and after the truncation
                Object before = key(file);
                long truncatedAt = committed(file);
                truncate(file, size);
                // The master's next publish into a lost page moves the region; wait for the new file.
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (key(file).equals(before) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(key(file)).as("the tag names a new file").isNotEqualTo(before);
                long moved = committed(file);
                // Equal when the truncation hit the publish of truncatedAt after its commit (its
                // notify, its wake-up): that publish faulted, so the new file holds that version.
                assertThat(moved).isGreaterThanOrEqualTo(truncatedAt);
                send(follower, "stop " + (moved + 1));
                Map<String, String> f = result(follower.awaitLine("RESULT", DEADLINE));
                System.out.println("[shrink " + size + "] follower " + f);
                assertThat(Long.parseLong(f.get("last"))).as("follower followed the new file").isGreaterThan(moved);
                assertThat(f.get("errors")).as("Errors the follower saw").isEqualTo("0");
                assertThat(f.get("other")).as("other exceptions the follower saw: " + f.get("first")).isEqualTo("0");
                assertThat(f.get("invalid")).isEqualTo("0");
                assertThat(follower.waitFor(START)).isZero();
            }
            master.process().getOutputStream().close();
            Map<String, String> m = result(master.awaitLine("RESULT", DEADLINE));
            System.out.println("[shrink " + size + "] master " + m);
            assertThat(m.get("errors")).as("Errors the master saw: " + m.get("first")).isEqualTo("0");
            assertThat(m.get("shrunk") + "/" + m.get("other")).as("exceptions from publish: " + m.get("first")).isEqualTo("0/0");
            assertThat(master.waitFor(START)).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 100})
    void withoutAMasterAFollowerGetsRegionShrunkException(long size) throws Exception {
        try (SharedObjectMaster<byte[]> m = SharedObject.master("gone", ObjectCodecs.bytes(), dir.options())) {
            m.publish(SelfCheckingPayload.create(1, 3000));
            m.publish(SelfCheckingPayload.create(2, 3000)); // version 2: slot 0; then 3 in slot 1
            m.publish(SelfCheckingPayload.create(3, 3000));
        }
        Path file = dir.path().resolve("gone");
        try (var follower = peer("shrink-follower", "gone")) {
            follower.awaitLine("READY", START);
            truncate(file, size);
            // Its first read comes after the truncation: a follower that had read version 3 before
            // would never touch the slots again (nothing new), so it could not notice.
            send(follower, "go");
            String shrunk = follower.awaitLine("SHRUNK", DEADLINE);
            assertThat(shrunk).contains(file.toString()).contains("the file shrank to " + size + " bytes");
            send(follower, "stop 0");
            Map<String, String> f = result(follower.awaitLine("RESULT", DEADLINE));
            System.out.println("[no master, shrink " + size + "] follower " + f);
            assertThat(f.get("errors")).as("Errors: " + f.get("first")).isEqualTo("0");
            assertThat(f.get("other")).as("other exceptions: " + f.get("first")).isEqualTo("0");
            assertThat(f.get("invalid")).isEqualTo("0");
            assertThat(follower.waitFor(START)).isZero();
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static Object key(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    }

    private long committed(Path file) throws IOException {
        try (ObjectRegion r = ObjectRegion.openReadOnly("shrink", file)) {
            return r.committedAcquire();
        }
    }

    private static void send(ChildJvm child, String line) throws IOException {
        OutputStream in = child.process().getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Parses "RESULT a=1 b=2" into a map. */
    private static Map<String, String> result(String line) {
        Map<String, String> m = new HashMap<>();
        for (String part : List.of(line.substring("RESULT".length()).trim().split(" "))) {
            String[] kv = part.split("=", 2);
            m.put(kv[0], kv.length > 1 ? kv[1] : "");
        }
        return m;
    }
}
