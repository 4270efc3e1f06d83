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
 * one letter that depends on {@code v}, so a torn or mixed copy is visible in the bytes.
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
        ObjectRegionWriter.write(region, region.notifier(null), version, ContentType.RAW, payload, version);
    }

    /** The follower's read: the version it returns, and whether that is exactly what was published as it. */
    static void read(ObjectRegion region, JZ_Result r) {
        Snapshot s = region.readCommitted();
        r.r1 = s.version();
        r.r2 = whole(s);
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
