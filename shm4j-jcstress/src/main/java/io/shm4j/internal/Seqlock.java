package io.shm4j.internal;

import io.shm4j.ContentType;
import io.shm4j.Snapshot;
import org.openjdk.jcstress.infra.results.JZ_Result;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_ALIGNMENT;
import static io.shm4j.internal.ObjectRegionDescriptor.fileLength;

/**
 * The fixture of the jcstress tests: an object region in fresh memory (no file, so that jcstress
 * can make thousands a second), written by the master's own ordered write
 * ({@link ObjectRegionWriter#write}) and read by the follower's own read
 * ({@link ObjectRegion#readCommitted}). Version {@code v}'s payload is {@link #LENGTH} copies of
 * one letter that depends on {@code v}, so a torn or mixed copy is visible in the bytes (and
 * its CRC-32 differs from the other versions'). Even versions get their CRC-32 after the seq,
 * odd ones in the copy's pass (FORMAT.md 5.1), so every test races a reader against both.
 */
final class Seqlock {
    /** Payload bytes per version: several cache lines, so that a copy can be overtaken midway. */
    static final int LENGTH = 192;
    private static final long CAPACITY = 256;

    private Seqlock() {
    }

    /** A region holding version 1, committed. */
    static ObjectRegion withVersionOne() {
        Arena arena = Arena.ofAuto(); // freed with the state: jcstress drops states, it closes nothing
        MemorySegment segment = arena.allocate(fileLength(CAPACITY), SLOT_ALIGNMENT);
        ObjectRegionWriter.initHeader(segment, CAPACITY, 0);
        ObjectRegion region = ObjectRegion.inMemory("jcstress", arena, segment);
        publish(region, 1);
        return region;
    }

    /** Publishes {@code version} (one past the committed one) with the master's ordered write. */
    static void publish(ObjectRegion region, long version) {
        byte[] payload = new byte[LENGTH];
        java.util.Arrays.fill(payload, letter(version));
        ObjectRegionWriter.write(region, region.notifier(null), version, ContentType.RAW, payload, version, version % 2 == 0);
    }

    /** The follower's read: the version it returns, and whether that is exactly what was published as it. */
    static void read(ObjectRegion region, JZ_Result r) {
        Snapshot s = region.readCommitted();
        r.r1 = s.version();
        r.r2 = whole(s);
    }

    /**
     * The reads of a spinning follower holding version {@code held}, ahead of the commit, tried
     * again and again until one returns a version or {@code committed} moves on (the window is
     * the master's CRC-32 of a few lines): the version it returns (0 if it read nothing ahead),
     * and whether that is exactly what was published as it.
     */
    static void readAhead(ObjectRegion region, long held, JZ_Result r) {
        Snapshot s;
        do {
            s = region.readAhead(held, ObjectRegion.NEW_SNAPSHOT);
        } while (s == null && region.committedAcquire() == held);
        r.r1 = s == null ? 0 : s.version();
        r.r2 = s == null || whole(s);
    }

    private static boolean whole(Snapshot s) {
        byte[] bytes = s.bytes();
        if (bytes.length != LENGTH || s.publishTimeNanos() != s.version()) {
            return false;
        }
        for (byte b : bytes) {
            if (b != letter(s.version())) {
                return false;
            }
        }
        return true;
    }

    private static byte letter(long version) {
        return (byte) ('A' + version % 26);
    }
}
