package io.shm4j.bench;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.internal.CrcCopy;
import io.shm4j.internal.FaultPoint;
import io.shm4j.internal.ObjectRegion;
import io.shm4j.internal.RegionFiles;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.INT;
import static io.shm4j.internal.ObjectRegionDescriptor.LONG;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_CAPACITY_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_CONTENT_TYPE_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_CRC_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_HEADER_LENGTH;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_LENGTH_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_PUBLISH_TIME_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_SEQ_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_VERSION_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.slotIndex;
import static io.shm4j.internal.ObjectRegionDescriptor.slotOffset;

/**
 * Where a {@code readNewer} of a whole version spends its time beyond the copy and the CRC-32,
 * step by step, in {@link InProcessPairs}'s rounds (every variant in every round, ratios taken
 * per round): the plain copy and copy-then-CRC-32 of the committed slot's payload (the same
 * mapped bytes), the fused {@link CrcCopy}, then each step adds what the read path adds: the
 * slot's seq loaded before and after (a seqlock read), the slot's fields and their checks (the
 * least a checked read of FORMAT.md 5.2 does), {@link ObjectRegion#readCommitted} (committed,
 * the slot by a branch, the retry loop, a sink), the flags and the fault point (what
 * {@code FollowedRegion.readUnlocked} adds), the {@code readNewer} of a follower that could not
 * register (its version check, the {@link SnapshotBuffer}), and a registered follower's (its
 * registry entry's two stores).
 *
 * <pre>
 * java -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.ReadPathSteps [seconds=10] [size=1024]
 * </pre>
 */
public final class ReadPathSteps {
    private static final VarHandle SEQ = LONG.varHandle();

    private ReadPathSteps() {
    }

    public static void main(String[] args) throws Exception {
        long nanos = (long) ((args.length > 0 ? Double.parseDouble(args[0]) : 10) * 1e9);
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path directory = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-read-steps-");
        ShmOptions options = ShmOptions.defaults().withDirectory(directory);
        try (SharedObjectMaster<byte[]> master = SharedObject.master("steps", ObjectCodecs.bytes(), options)) {
            master.publish(Payload.allocate(size));
            try (SharedObjectFollower<byte[]> follower = SharedObject.follower("steps", ObjectCodecs.bytes(), options);
                 SharedObjectFollower<byte[]> unregistered = unregisteredFollower(directory, options);
                 ObjectRegion region = ObjectRegion.openReadOnly("steps", RegionFiles.file("steps", options), true)) {
                InProcessPairs.run(InProcessPairs.READ, size, steps(region, unregistered, follower, size), nanos);
            }
        } finally {
            CaseRunner.deleteRecursively(directory);
        }
    }

    /**
     * A follower that reads without a registry entry: the registry's path made a directory (the
     * master and the registered follower keep their mappings of the file), as
     * {@link FollowerRegistryBenchmark} does. It logs that it cannot register.
     */
    private static SharedObjectFollower<byte[]> unregisteredFollower(Path directory, ShmOptions options) throws IOException {
        Path registry = directory.resolve("steps~followers");
        Files.delete(registry);
        Files.createDirectory(registry);
        return SharedObject.follower("steps", ObjectCodecs.bytes(), options);
    }

    private static Map<String, LongSupplier> steps(ObjectRegion region, SharedObjectFollower<byte[]> unregistered,
                                                   SharedObjectFollower<byte[]> follower, int size) {
        MemorySegment segment = region.segment();
        long slot = slotOffset(segment.get(LONG, SLOT_CAPACITY_OFFSET), slotIndex(region.committedAcquire()));
        long payload = slot + SLOT_HEADER_LENGTH;
        byte[] heap = new byte[size];
        CRC32 crc = new CRC32();
        Sink sink = new Sink(size);
        SnapshotBuffer unregisteredBuffer = new SnapshotBuffer(size);
        SnapshotBuffer buffer = new SnapshotBuffer(size);
        Map<String, LongSupplier> steps = new LinkedHashMap<>();
        steps.put(InProcessPairs.COPY, () -> {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, payload, heap, 0, size);
            return heap[size - 1];
        });
        steps.put(InProcessPairs.COPY_THEN_CRC, () -> {
            MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, payload, heap, 0, size);
            crc.reset();
            crc.update(heap, 0, size);
            return crc.getValue();
        });
        steps.put("CrcCopy", () -> CrcCopy.fromSegment(segment, payload, heap, size, crc));
        steps.put("+ seq twice", () -> seqlockRead(segment, slot, heap, size, crc));
        steps.put("+ slot fields", () -> checkedRead(segment, slot, heap, crc));
        steps.put("readCommitted", () -> {
            sink.version = 0;
            return region.readCommitted(sink).version;
        });
        steps.put("+ flags, fault point", () -> {
            sink.version = 0;
            if (region.isSuperseded() || region.committedAcquire() == sink.version) {
                throw notWhole("+ flags, fault point");
            }
            long version = region.readCommitted(sink).version;
            FaultPoint.here();
            return version;
        });
        steps.put("readNewer, unregistered", () -> {
            unregisteredBuffer.clear();
            if (!unregistered.readNewer(unregisteredBuffer)) {
                throw notWhole("readNewer, unregistered");
            }
            return unregisteredBuffer.version();
        });
        steps.put(InProcessPairs.READ_NEWER, () -> {
            buffer.clear();
            if (!follower.readNewer(buffer)) {
                throw notWhole(InProcessPairs.READ_NEWER);
            }
            return buffer.version();
        });
        return steps;
    }

    /** The payload copied with its CRC-32 between two loads of the slot's seq. */
    private static long seqlockRead(MemorySegment segment, long slot, byte[] heap, int size, CRC32 crc) {
        long seq1 = (long) SEQ.getAcquire(segment, slot + SLOT_SEQ_OFFSET);
        int copyCrc = CrcCopy.fromSegment(segment, slot + SLOT_HEADER_LENGTH, heap, size, crc);
        VarHandle.acquireFence();
        if (seq1 != (long) SEQ.get(segment, slot + SLOT_SEQ_OFFSET)) {
            throw notWhole("+ seq twice");
        }
        return copyCrc;
    }

    /** {@link #seqlockRead} with the slot's fields loaded and checked: the least a checked read does. */
    private static long checkedRead(MemorySegment segment, long slot, byte[] heap, CRC32 crc) {
        long seq1 = (long) SEQ.getAcquire(segment, slot + SLOT_SEQ_OFFSET);
        long version = segment.get(LONG, slot + SLOT_VERSION_OFFSET);
        int length = segment.get(INT, slot + SLOT_LENGTH_OFFSET);
        int type = segment.get(INT, slot + SLOT_CONTENT_TYPE_OFFSET);
        long time = segment.get(LONG, slot + SLOT_PUBLISH_TIME_OFFSET);
        int slotCrc = segment.get(INT, slot + SLOT_CRC_OFFSET);
        int copyCrc = CrcCopy.fromSegment(segment, slot + SLOT_HEADER_LENGTH, heap, length, crc);
        VarHandle.acquireFence();
        boolean whole = seq1 == (long) SEQ.get(segment, slot + SLOT_SEQ_OFFSET);
        if (!whole || copyCrc != slotCrc || ContentType.ofId(type) == null) {
            throw notWhole("+ slot fields");
        }
        return version + time;
    }

    /** A step that read no whole version measured nothing; here nothing publishes, so it never should. */
    private static IllegalStateException notWhole(String step) {
        return new IllegalStateException("step \"" + step + "\" read no whole version of a slot nothing writes to");
    }

    /**
     * A sink with one reused array that keeps only the version number; a {@link SnapshotBuffer}'s
     * own sink is internal to io.shm4j.
     */
    private static final class Sink implements ObjectRegion.Sink<Sink> {
        private final CRC32 checksum = new CRC32();
        private final byte[] array;
        private long version;

        Sink(int size) {
            array = new byte[size];
        }

        @Override
        public byte[] arrayFor(int length) {
            version = 0;
            return array;
        }

        @Override
        public CRC32 checksum() {
            return checksum;
        }

        @Override
        public Sink accept(long v, long publishTimeNanos, ContentType contentType, byte[] copy, int length) {
            version = v;
            return this;
        }
    }
}
