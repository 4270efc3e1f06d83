package io.shm4j.bench;

import io.shm4j.internal.CacheLines;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * How a large payload's publish→copied time depends on the way the bytes are copied and on how
 * many payload slots the master rotates through (docs/BENCHMARKS.md, "The machine's two
 * states"). A master thread copies {@code SIZE} bytes from a heap array into slot
 * {@code seq % slots} of a mapped file, release-stores {@code seq}, and waits for the
 * acknowledgement; a follower thread on the other core spins on {@code seq}, copies the slot
 * into its heap array and acknowledges. Both sides copy with {@code COPIER}:
 * <ul>
 * <li>{@code segment}: {@code MemorySegment.copy} (what shm4j and the raw peer use);</li>
 * <li>{@code buffer}: the bulk {@code get}/{@code put} of a {@code ByteBuffer} view of the segment;</li>
 * <li>{@code agrona}: Agrona's {@code UnsafeBuffer.getBytes}/{@code putBytes} (what the agrona
 *     peer's transmitter and receiver use; needs
 *     {@code --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED});</li>
 * <li>{@code lines}: 8-byte loads and stores, eight per 64-byte line.</li>
 * </ul>
 * Two threads, not two processes: the cost is moving the lines between the cores' caches, the
 * same either way. {@code LAYOUTS} are slot counts, {@code N+} for N slots of which the master
 * takes the next one's lines back after each publish, as shm4j's master does
 * ({@link CacheLines#takeBack}). The layouts alternate, block by block, in one process, so
 * that each block compares them in the same state of the machine (this VM's cross-core
 * transfers have a fast and a slow state, seconds to minutes apart). Per block it prints the
 * copy into memory no other thread touches ('alone'), then per layout the p50 over the second
 * half of the rounds and the p50 of the master's copy (the rest is noticing the new
 * {@code seq} and the follower's copy).
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED \
 *     -cp shm4j-bench/target/shm4j-bench.jar io.shm4j.bench.LargeCopyExperiment \
 *     segment|buffer|agrona|lines [SIZE=1048576] [LAYOUTS=1,2,2+,16] [BLOCKS=5] [ROUNDS=4000]
 * </pre>
 */
public final class LargeCopyExperiment {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final ValueLayout.OfLong UNALIGNED_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int PAYLOAD_OFFSET = 4096;

    private static volatile long sentNanos;
    private static volatile long acknowledged;

    private LargeCopyExperiment() {
    }

    /** One way of moving {@code length} bytes between a heap array and a mapped segment. */
    private interface Copier {
        void in(byte[] from, MemorySegment to, long offset);

        void out(MemorySegment from, long offset, byte[] to);
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1 << 20;
        String[] layouts = (args.length > 2 ? args[2] : "1,2,2+,16").split(",");
        int blocks = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 4_000;
        Path dir = Files.createTempDirectory(CaseRunner.scratchRoot(), "large-copy");
        long stride = (size + 4095L) / 4096 * 4096;
        int maxSlots = Arrays.stream(layouts).mapToInt(LargeCopyExperiment::slots).max().orElseThrow();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment segment;
            try (FileChannel channel = FileChannel.open(dir.resolve("slots"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, PAYLOAD_OFFSET + maxSlots * stride, arena);
            }
            Copier copier = copier(mode, segment);
            byte[] payload = new byte[size];
            Arrays.fill(payload, (byte) 'x');
            MemorySegment alone = arena.allocate(size, 4096);
            System.out.printf("%s, %d B: p50 of publish->copied (of which the master's copy), per block of %d rounds;"
                    + " 'alone': the same copy into memory no other thread touches%n", mode, size, rounds);
            for (int block = 1; block <= blocks; block++) {
                StringBuilder line = new StringBuilder("block " + block + ": alone " + String.format("%,d ns", alone(payload, alone, rounds)));
                for (String layout : layouts) {
                    long[][] measured = measure(copier, segment, payload, slots(layout), layout.endsWith("+"), stride, rounds);
                    line.append(String.format("  %s %,d ns (%,d)", layout, measured[0][rounds / 4], measured[1][rounds / 4]));
                }
                System.out.println(line);
            }
        } finally {
            CaseRunner.deleteRecursively(dir);
        }
    }

    /** The slot count of a layout: {@code N}, or {@code N+} for N slots with the next one taken ahead. */
    private static int slots(String layout) {
        return Integer.parseInt(layout.endsWith("+") ? layout.substring(0, layout.length() - 1) : layout);
    }

    /**
     * Runs {@code rounds} publish-and-copy rounds; returns the sorted latencies and master copy
     * times of the second half. With {@code takeNextAhead}, after each commit the master stores
     * back one word per 64-byte line of the slot it writes next (the same value: invisible to a
     * reader), so that its core owns those lines when it copies the next payload.
     */
    private static long[][] measure(Copier copier, MemorySegment segment, byte[] payload, int slots, boolean takeNextAhead,
                                    long stride, int rounds) throws InterruptedException {
        long[] latency = new long[rounds];
        long[] masterCopy = new long[rounds];
        long first = (long) LONG.getAcquire(segment, 0L);
        Thread follower = new Thread(() -> follow(copier, segment, payload.length, slots, stride, first, latency));
        follower.start();
        for (int i = 1; i <= rounds; i++) {
            long seq = first + i;
            sentNanos = System.nanoTime();
            copier.in(payload, segment, PAYLOAD_OFFSET + (seq % slots) * stride);
            masterCopy[i - 1] = System.nanoTime() - sentNanos;
            LONG.setRelease(segment, 0L, seq);
            if (takeNextAhead) {
                CacheLines.takeBack(segment, PAYLOAD_OFFSET + ((seq + 1) % slots) * stride, payload.length);
            }
            while (acknowledged < seq) {
                Thread.onSpinWait();
            }
        }
        follower.join();
        return new long[][] {secondHalfSorted(latency), secondHalfSorted(masterCopy)};
    }

    /** The p50 of copying {@code payload} into {@code target} by {@code MemorySegment.copy}, one thread alone. */
    private static long alone(byte[] payload, MemorySegment target, int rounds) {
        long[] took = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            MemorySegment.copy(payload, 0, target, ValueLayout.JAVA_BYTE, 0, payload.length);
            took[i] = System.nanoTime() - start;
        }
        return secondHalfSorted(took)[rounds / 4];
    }

    private static long[] secondHalfSorted(long[] samples) {
        long[] kept = Arrays.copyOfRange(samples, samples.length / 2, samples.length);
        Arrays.sort(kept);
        return kept;
    }

    private static void follow(Copier copier, MemorySegment segment, int size, int slots, long stride, long first,
                               long[] latency) {
        byte[] copy = new byte[size];
        long seen = first;
        for (int i = 0; i < latency.length; i++) {
            long seq;
            while ((seq = (long) LONG.getAcquire(segment, 0L)) == seen) {
                Thread.onSpinWait();
            }
            seen = seq;
            copier.out(segment, PAYLOAD_OFFSET + (seq % slots) * stride, copy);
            latency[i] = System.nanoTime() - sentNanos;
            acknowledged = seq;
        }
    }

    private static Copier copier(String mode, MemorySegment segment) {
        return switch (mode) {
            case "segment" -> new Copier() {
                public void in(byte[] from, MemorySegment to, long offset) {
                    MemorySegment.copy(from, 0, to, ValueLayout.JAVA_BYTE, offset, from.length);
                }

                public void out(MemorySegment from, long offset, byte[] to) {
                    MemorySegment.copy(from, ValueLayout.JAVA_BYTE, offset, to, 0, to.length);
                }
            };
            case "buffer" -> {
                ByteBuffer view = segment.asByteBuffer();
                yield new Copier() {
                    public void in(byte[] from, MemorySegment to, long offset) {
                        view.put((int) offset, from);
                    }

                    public void out(MemorySegment from, long offset, byte[] to) {
                        view.get((int) offset, to);
                    }
                };
            }
            case "agrona" -> {
                UnsafeBuffer view = new UnsafeBuffer(segment.address(), (int) segment.byteSize());
                yield new Copier() {
                    public void in(byte[] from, MemorySegment to, long offset) {
                        view.putBytes((int) offset, from);
                    }

                    public void out(MemorySegment from, long offset, byte[] to) {
                        view.getBytes((int) offset, to);
                    }
                };
            }
            case "lines" -> new Copier() {
                public void in(byte[] from, MemorySegment to, long offset) {
                    MemorySegment heap = MemorySegment.ofArray(from);
                    for (long i = 0; i < from.length; i += 8) {
                        to.set(UNALIGNED_LONG, offset + i, heap.get(UNALIGNED_LONG, i));
                    }
                }

                public void out(MemorySegment from, long offset, byte[] to) {
                    MemorySegment heap = MemorySegment.ofArray(to);
                    for (long i = 0; i < to.length; i += 8) {
                        heap.set(UNALIGNED_LONG, i, from.get(UNALIGNED_LONG, offset + i));
                    }
                }
            };
            default -> throw new IllegalArgumentException("copier is segment, buffer, agrona or lines, not " + mode);
        };
    }
}
