package io.shm4j.bench;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.SharedObjectMaster;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import io.shm4j.WaitStrategy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32;

import static io.shm4j.internal.ObjectRegionDescriptor.COMMITTED_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.INT;
import static io.shm4j.internal.ObjectRegionDescriptor.LONG;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_CAPACITY_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_CRC_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_HEADER_LENGTH;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_LENGTH_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.SLOT_SEQ_OFFSET;
import static io.shm4j.internal.ObjectRegionDescriptor.slotIndex;
import static io.shm4j.internal.ObjectRegionDescriptor.slotOffset;
import static io.shm4j.bench.PingPongBlocks.ACK;
import static io.shm4j.bench.PingPongBlocks.SENT;

/**
 * Where a spinning follower's publish→observe time goes at small payloads (docs/BENCHMARKS.md,
 * "Issue 4: the spin gap" and "The slot by a branch"). A master thread publishes {@code SIZE}
 * bytes with {@link SharedObjectMaster#publish} and waits for the acknowledgement; a follower
 * thread on the other core spins until {@code committed} changes, then does one of:
 * <ul>
 * <li>{@code detect}: nothing more (the cost of noticing the new version);</li>
 * <li>{@code payload}: copies the payload of the committed slot, reading no slot header (what the
 *     raw peer does);</li>
 * <li>{@code header}: loads the committed slot's {@code seq}, nothing else;</li>
 * <li>{@code read}: the whole read of FORMAT.md 5.2 (seq, fields, copy, seq again, CRC-32), the
 *     slot's offset computed from {@code committed};</li>
 * <li>{@code read-ternary}: the same read, the slot's offset chosen by {@code ?:} on
 *     {@code committed}'s parity (which the JIT compiles to a conditional move);</li>
 * <li>{@code read-branch}: the same read, the slot chosen by a branch on {@code committed}'s
 *     parity, as {@code ObjectRegion.readCommitted} chooses it;</li>
 * </ul>
 * or, instead of spinning itself:
 * <ul>
 * <li>{@code readnewer}: calls {@code readNewer(SnapshotBuffer)} until it copies (the library's
 *     read without its wait);</li>
 * <li>{@code api}: {@code awaitNewer(SnapshotBuffer)} with {@link WaitStrategy#BUSY_SPIN}, the
 *     library's own path.</li>
 * </ul>
 * Two threads, not two processes: the cost measured is moving cache lines between cores, which
 * is the same either way, and one JVM keeps the experiment free of the harness's machinery.
 *
 * <p>With a comma list of modes and {@code SECONDS}, the modes run in blocks of {@code ROUNDS}
 * rounds, one after the other, again and again for {@code SECONDS}, each turn labelled with the
 * machine's state by {@link CoherenceProbe}; then per state and mode the median of the blocks'
 * p50s with its quartiles. Blocks of one JVM compare modes in one state; a JVM's pair of threads
 * settles in one of two speeds for its whole life, so separate JVMs would not. Without
 * {@code SECONDS}, each mode runs one block and prints its p50 and p90 (the form of the issue-4
 * table). Each block's figures are over its second half.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.SpinPathExperiment MODE[,MODE...] [SIZE=64] [ROUNDS=300000] [SECONDS]
 * </pre>
 */
public final class SpinPathExperiment {
    private static final VarHandle LONG_HANDLE = LONG.varHandle();
    private static final String TAG = "spin";
    private static final List<String> MODES = List.of("detect", "payload", "header", "read", "read-ternary", "read-branch",
            "readnewer", "api");

    private SpinPathExperiment() {
    }

    public static void main(String[] args) throws Exception {
        List<String> modes = List.of(args[0].split(","));
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 300_000;
        double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 0;
        for (String mode : modes) {
            if (!MODES.contains(mode)) {
                throw new IllegalArgumentException("modes are " + String.join(", ", MODES) + ", not " + mode);
            }
        }
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "spin-path");
        ShmOptions options = ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.BUSY_SPIN);
        try (Arena arena = Arena.ofShared();
             SharedObjectMaster<byte[]> master = SharedObject.master(TAG, ObjectCodecs.bytes(), options)) {
            byte[] payload = new byte[size];
            master.publish(payload);
            MemorySegment region;
            try (FileChannel channel = FileChannel.open(dir.resolve(TAG), StandardOpenOption.READ)) {
                region = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            long[] latency = new long[rounds];
            if (seconds == 0) {
                for (String mode : modes) {
                    block(mode, master, region, options, payload, latency);
                    long[] kept = PingPongBlocks.secondHalfSorted(latency);
                    System.out.printf("%s %d B: p50 %d ns p90 %d ns%n", mode, size, kept[kept.length / 2], kept[kept.length * 9 / 10]);
                }
                return;
            }
            PingPongBlocks p50s = new PingPongBlocks();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                String state = CoherenceProbe.State.of(CoherenceProbe.sharedCopyRatio()).name();
                StringBuilder line = new StringBuilder(state);
                for (String mode : modes) {
                    block(mode, master, region, options, payload, latency);
                    long p50 = p50s.addBlock(state + " " + mode + " " + size + " B, p50 ns", latency);
                    line.append(' ').append(mode).append(' ').append(p50);
                }
                System.out.println(line);
            }
            p50s.print();
        } finally {
            CaseRunner.deleteRecursively(dir);
        }
    }

    /** One block: a new follower thread in {@code mode}, {@code latency.length} publishes, each acknowledged. */
    private static void block(String mode, SharedObjectMaster<byte[]> master, MemorySegment region, ShmOptions options,
                              byte[] payload, long[] latency) throws Exception {
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(TAG, ObjectCodecs.bytes(), options)) {
            AtomicLongArray sync = PingPongBlocks.newSync();
            sync.set(ACK, -1);
            Thread reader = new Thread(() -> follow(mode, region, follower, payload.length, sync, latency), "follower");
            reader.start();
            PingPongBlocks.awaitAck(sync, 0, reader); // it has read what is published: the next publish is new to it
            for (int i = 1; i <= latency.length; i++) {
                sync.set(SENT, System.nanoTime());
                master.publish(payload);
                PingPongBlocks.awaitAck(sync, i, reader);
            }
            reader.join();
        }
    }

    private static void follow(String mode, MemorySegment region, SharedObjectFollower<byte[]> follower, int size,
                               AtomicLongArray sync, long[] latency) {
        SnapshotBuffer buffer = new SnapshotBuffer(size);
        follower.readNewer(buffer);
        byte[] copy = new byte[size];
        CRC32 crc = new CRC32();
        long capacity = region.get(LONG, SLOT_CAPACITY_OFFSET);
        long slot0 = slotOffset(capacity, 0);
        long slot1 = slotOffset(capacity, 1);
        long seen = (long) LONG_HANDLE.getAcquire(region, (long) COMMITTED_OFFSET);
        long sink = 0;
        sync.set(ACK, 0);
        for (int i = 0; i < latency.length; i++) {
            if (mode.equals("api")) {
                try {
                    while (!follower.awaitNewer(buffer, Duration.ofMinutes(1))) {
                        // wait on
                    }
                } catch (InterruptedException e) {
                    return;
                }
            } else if (mode.equals("readnewer")) {
                while (!follower.readNewer(buffer)) {
                    Thread.onSpinWait();
                }
            } else {
                long committed;
                while ((committed = (long) LONG_HANDLE.getAcquire(region, (long) COMMITTED_OFFSET)) == seen) {
                    Thread.onSpinWait();
                }
                seen = committed;
                long slot = slotOffset(capacity, slotIndex(committed));
                switch (mode) {
                    case "payload" -> MemorySegment.copy(region, ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, copy, 0, size);
                    case "header" -> sink += (long) LONG_HANDLE.getAcquire(region, slot + SLOT_SEQ_OFFSET);
                    case "read" -> sink += read(region, slot, copy, crc);
                    case "read-ternary" -> sink += read(region, slotIndex(committed) == 0 ? slot0 : slot1, copy, crc);
                    case "read-branch" -> {
                        // Two call sites: a branch the CPU predicts, not a conditional move.
                        if (slotIndex(committed) == 0) {
                            sink += read(region, slot0, copy, crc);
                        } else {
                            sink += read(region, slot1, copy, crc);
                        }
                    }
                    default -> { }
                }
            }
            latency[i] = System.nanoTime() - sync.get(SENT);
            sync.set(ACK, i + 1);
        }
        if (sink == 1) {
            System.out.print(""); // keeps the loads
        }
    }

    /** FORMAT.md 5.2 for a slot the master has stopped writing; returns the seq read. */
    private static long read(MemorySegment region, long slot, byte[] copy, CRC32 crc) {
        long seq = (long) LONG_HANDLE.getAcquire(region, slot + SLOT_SEQ_OFFSET);
        int length = region.get(INT, slot + SLOT_LENGTH_OFFSET);
        int expected = region.get(INT, slot + SLOT_CRC_OFFSET);
        MemorySegment.copy(region, ValueLayout.JAVA_BYTE, slot + SLOT_HEADER_LENGTH, copy, 0, length);
        VarHandle.acquireFence();
        crc.reset();
        crc.update(copy, 0, length);
        if ((long) LONG_HANDLE.get(region, slot + SLOT_SEQ_OFFSET) != seq || (int) crc.getValue() != expected) {
            throw new IllegalStateException("the master rewrote the slot during the read: it should wait for the acknowledgement");
        }
        return seq;
    }
}
