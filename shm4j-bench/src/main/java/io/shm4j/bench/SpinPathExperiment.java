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
import java.util.Arrays;
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

/**
 * Where a spinning follower's publish→observe time goes at small payloads (docs/BENCHMARKS.md,
 * "Issue 4: the spin gap"). A master thread publishes {@code SIZE} bytes with
 * {@link SharedObjectMaster#publish} and waits for the acknowledgement; a follower thread on the
 * other core spins until {@code committed} changes, then does one of:
 * <ul>
 * <li>{@code detect}: nothing more (the cost of noticing the new version);</li>
 * <li>{@code payload}: copies the payload of the committed slot, reading no slot header (what the
 *     raw peer does);</li>
 * <li>{@code header}: loads the committed slot's {@code seq}, nothing else;</li>
 * <li>{@code read}: the whole read of FORMAT.md 5.2 (seq, fields, copy, seq again, CRC-32);</li>
 * <li>{@code api}: {@code awaitNewer(SnapshotBuffer)} with {@link WaitStrategy#BUSY_SPIN}
 *     instead, the library's own path.</li>
 * </ul>
 * Two threads, not two processes: the cost measured is moving cache lines between cores, which
 * is the same either way, and one JVM keeps the experiment free of the harness's machinery.
 * Prints the one-way p50 and p90 over the second half of {@code ROUNDS} rounds.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp shm4j-bench/target/shm4j-bench.jar \
 *     io.shm4j.bench.SpinPathExperiment detect|payload|header|read|api [SIZE=64] [ROUNDS=300000]
 * </pre>
 */
public final class SpinPathExperiment {
    private static final VarHandle LONG_HANDLE = LONG.varHandle();
    private static final String TAG = "spin";

    private static volatile long sentNanos;
    private static volatile long acknowledged;

    private SpinPathExperiment() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 300_000;
        if (!java.util.Set.of("detect", "payload", "header", "read", "api").contains(mode)) {
            throw new IllegalArgumentException("mode is detect, payload, header, read or api, not " + mode);
        }
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "spin-path");
        ShmOptions options = ShmOptions.defaults().withDirectory(dir).withWaitStrategy(WaitStrategy.BUSY_SPIN);
        try (Arena arena = Arena.ofShared();
             SharedObjectMaster<byte[]> master = SharedObject.master(TAG, ObjectCodecs.bytes(), options);
             SharedObjectFollower<byte[]> follower = SharedObject.follower(TAG, ObjectCodecs.bytes(), options)) {
            byte[] payload = new byte[size];
            master.publish(payload);
            MemorySegment region;
            try (FileChannel channel = FileChannel.open(dir.resolve(TAG), StandardOpenOption.READ)) {
                region = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            }
            long[] latency = new long[rounds];
            Thread reader = new Thread(() -> follow(mode, region, follower, size, latency));
            reader.start();
            Thread.sleep(100);
            for (int i = 1; i <= rounds; i++) {
                sentNanos = System.nanoTime();
                master.publish(payload);
                while (acknowledged < i) {
                    Thread.onSpinWait();
                }
            }
            reader.join();
            long[] kept = Arrays.copyOfRange(latency, rounds / 2, rounds);
            Arrays.sort(kept);
            System.out.printf("%s %d B: p50 %d ns p90 %d ns%n", mode, size, kept[kept.length / 2], kept[kept.length * 9 / 10]);
        } finally {
            CaseRunner.deleteRecursively(dir);
        }
    }

    private static void follow(String mode, MemorySegment region, SharedObjectFollower<byte[]> follower, int size,
                               long[] latency) {
        SnapshotBuffer buffer = new SnapshotBuffer(size);
        follower.readNewer(buffer);
        byte[] copy = new byte[size];
        CRC32 crc = new CRC32();
        long capacity = region.get(LONG, SLOT_CAPACITY_OFFSET);
        long seen = (long) LONG_HANDLE.getAcquire(region, (long) COMMITTED_OFFSET);
        long sink = 0;
        for (int i = 0; i < latency.length; i++) {
            if (mode.equals("api")) {
                try {
                    while (!follower.awaitNewer(buffer, Duration.ofMinutes(1))) {
                        // wait on
                    }
                } catch (InterruptedException e) {
                    return;
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
                    default -> { }
                }
            }
            latency[i] = System.nanoTime() - sentNanos;
            acknowledged = i + 1;
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
