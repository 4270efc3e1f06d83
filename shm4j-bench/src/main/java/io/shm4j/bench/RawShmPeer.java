package io.shm4j.bench;

import io.shm4j.internal.CacheLines;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The limit: a mapped file holding one sequence word and the payload, nothing else. The master
 * copies the payload in and release-stores the sequence; a follower spins on an acquire load of
 * the sequence and copies the payload out. No torn-read check, no CRC, no versions: any protocol
 * costs at least this. The {@link Variant}s try the ways of moving the bytes that Java offers
 * (where the payload sits, how it is copied); the report takes the fastest of them, per size and
 * run, as the limit. Non-temporal stores are not among them: neither FFM nor any other stock JDK
 * API issues them (the JIT picks its own copy loops).
 */
public final class RawShmPeer implements Peer {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle HEAP_LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong UNALIGNED_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int LINE = 64;
    private static final int RING_SLOTS = 8;
    private static final int AHEAD_SLOTS = 2;

    /** How the bytes are laid out and copied. */
    public enum Variant {
        /** Payload on the cache line after the sequence word, one {@code MemorySegment.copy} each way. */
        LINE_ALIGNED("raw", "payload 64 B after the sequence word, MemorySegment.copy"),
        /** Payload on its own page: the sequence word's page is never written with the payload. */
        PAGE_ALIGNED("raw-page", "payload on its own 4 KiB page, MemorySegment.copy"),
        /** Copied by 64 B lines, eight 8-byte loads and stores per line. */
        BY_LINES("raw-lines", "copied by 64 B lines (8 longs each way)"),
        /** Eight payload slots used in turn (as Agrona's ring and shm4j's slots are): the master never rewrites the lines just read. */
        RING("raw-ring", "8 payload slots written in turn, MemorySegment.copy"),
        /**
         * Two payload slots used in turn, and after each publish the master stores back the other
         * slot's lines unchanged, so that its next copy does not wait for the follower's cache to
         * hand them over (what shm4j's master does, FORMAT.md 5.1).
         */
        AHEAD("raw-ahead", "2 payload slots written in turn, the next one's lines taken back after each publish");

        final String peerName;
        final String how;

        Variant(String peerName, String how) {
            this.peerName = peerName;
            this.how = how;
        }
    }

    private final Variant variant;

    public RawShmPeer(Variant variant) {
        this.variant = variant;
    }

    @Override
    public String name() {
        return variant.peerName;
    }

    @Override
    public String description() {
        return "raw FFM shared memory, the limit: seq word + payload (" + variant.how + "), follower spins";
    }

    @Override
    public boolean busyPolls() {
        return true;
    }

    private long payloadOffset() {
        return variant == Variant.PAGE_ALIGNED ? 4096 : LINE;
    }

    private static long slotStride(int size) {
        return (size + LINE - 1) / LINE * LINE;
    }

    private int slots() {
        return switch (variant) {
            case RING -> RING_SLOTS;
            case AHEAD -> AHEAD_SLOTS;
            default -> 1;
        };
    }

    private long slotOffset(long seq, int size) {
        return payloadOffset() + (seq % slots()) * slotStride(size);
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment segment = map(arena, context, true);
        return new Publisher() {
            private long seq;

            @Override
            public void publish(byte[] payload) {
                long next = seq + 1;
                long offset = slotOffset(next, payload.length);
                if (variant == Variant.BY_LINES) {
                    toSegmentByLines(payload, segment, offset);
                } else {
                    MemorySegment.copy(payload, 0, segment, ValueLayout.JAVA_BYTE, offset, payload.length);
                }
                LONG.setRelease(segment, 0L, next);
                if (variant == Variant.AHEAD) {
                    CacheLines.takeBack(segment, slotOffset(next + 1, payload.length), payload.length);
                }
                seq = next;
            }

            @Override
            public void close() {
                arena.close();
            }
        };
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment segment = map(arena, context, false);
        byte[] copy = new byte[context.payloadSize()];
        return new Subscriber() {
            private long seen = (long) LONG.getAcquire(segment, 0L);

            @Override
            public void next(Observation into) {
                // The slot of the next sequence number, computed before the spin: when the number
                // is the one expected, the copy's address does not wait for the load that found it,
                // so the CPU starts the copy's loads while that load's line is still on its way
                // (as shm4j's read picks its slot by a branch; docs/BENCHMARKS.md, "The slot by a
                // branch"). Two call sites keep the JIT from making it a conditional move.
                long expected = slotOffset(seen + 1, copy.length);
                long seq;
                while ((seq = (long) LONG.getAcquire(segment, 0L)) == seen) {
                    Thread.onSpinWait();
                }
                if (seq == seen + 1) {
                    copyOut(expected);
                } else {
                    copyOut(slotOffset(seq, copy.length));
                }
                seen = seq;
                Payload.read(copy, into);
            }

            private void copyOut(long offset) {
                if (variant == Variant.BY_LINES) {
                    fromSegmentByLines(segment, offset, copy);
                } else {
                    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset, copy, 0, copy.length);
                }
            }

            @Override
            public void close() {
                arena.close();
            }
        };
    }

    private static void toSegmentByLines(byte[] payload, MemorySegment segment, long offset) {
        int whole = payload.length & -8;
        for (int i = 0; i < whole; i += 8) {
            segment.set(UNALIGNED_LONG, offset + i, (long) HEAP_LONG.get(payload, i));
        }
        MemorySegment.copy(payload, whole, segment, ValueLayout.JAVA_BYTE, offset + whole, payload.length - whole);
    }

    private static void fromSegmentByLines(MemorySegment segment, long offset, byte[] copy) {
        int whole = copy.length & -8;
        for (int i = 0; i < whole; i += 8) {
            HEAP_LONG.set(copy, i, segment.get(UNALIGNED_LONG, offset + i));
        }
        MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, offset + whole, copy, whole, copy.length - whole);
    }

    private MemorySegment map(Arena arena, PeerContext context, boolean create) throws IOException {
        Path file = context.directory().resolve("raw");
        int size = context.payloadSize();
        long length = payloadOffset() + (slots() == 1 ? size : slots() * slotStride(size));
        try (FileChannel channel = create
                ? FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(file, StandardOpenOption.READ)) {
            if (create) {
                channel.write(ByteBuffer.allocate(1), length - 1);
            }
            return channel.map(create ? FileChannel.MapMode.READ_WRITE : FileChannel.MapMode.READ_ONLY, 0, length, arena);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }
}
