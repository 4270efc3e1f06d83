package io.shm4j.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The limit: a mapped file holding one sequence word and the payload, nothing else. The master
 * copies the payload in and release-stores the sequence; a follower spins on an acquire load of
 * the sequence and copies the payload out. No torn-read check, no CRC, no versions: any protocol
 * costs at least this.
 */
public final class RawShmPeer implements Peer {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final long PAYLOAD_OFFSET = 64;

    @Override
    public String name() {
        return "raw";
    }

    @Override
    public String description() {
        return "raw FFM shared memory: seq word + payload copy, follower spins (the limit)";
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        Arena arena = Arena.ofShared();
        MemorySegment segment = map(arena, context, true);
        return new Publisher() {
            private long seq;

            @Override
            public void publish(byte[] payload) {
                MemorySegment.copy(payload, 0, segment, ValueLayout.JAVA_BYTE, PAYLOAD_OFFSET, payload.length);
                LONG.setRelease(segment, 0L, ++seq);
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
                long seq;
                while ((seq = (long) LONG.getAcquire(segment, 0L)) == seen) {
                    Thread.onSpinWait();
                }
                seen = seq;
                MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, PAYLOAD_OFFSET, copy, 0, copy.length);
                Payload.read(copy, into);
            }

            @Override
            public void close() {
                arena.close();
            }
        };
    }

    private static MemorySegment map(Arena arena, PeerContext context, boolean create) throws IOException {
        Path file = context.directory().resolve("raw");
        long length = PAYLOAD_OFFSET + context.payloadSize();
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
