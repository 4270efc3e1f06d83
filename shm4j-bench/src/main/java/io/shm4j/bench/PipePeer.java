package io.shm4j.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A named pipe (FIFO) per follower, made with {@code mkfifo(3)} through the FFM linker; the master
 * writes, the follower blocks in {@code read}. The kernel copies each message twice (into the
 * pipe buffer, out of it), the seed's "four copies" path.
 */
public final class PipePeer implements Peer {
    private static final MethodHandle MKFIFO = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("mkfifo").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));

    @Override
    public String name() {
        return "pipe";
    }

    @Override
    public String description() {
        return "named pipe (FIFO) per follower, follower blocks in read";
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        for (int i = 0; i < context.followers(); i++) {
            mkfifo(fifo(context, i));
        }
        return StreamEnds.publisher(context.followers(),
                follower -> FileChannel.open(fifo(context, follower), StandardOpenOption.WRITE), () -> { });
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws IOException {
        return StreamEnds.subscriber(FileChannel.open(fifo(context, index), StandardOpenOption.READ), context.payloadSize());
    }

    private static Path fifo(PeerContext context, int follower) {
        return context.directory().resolve("fifo." + follower);
    }

    private static void mkfifo(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int result = (int) MKFIFO.invokeExact(state, arena.allocateFrom(path.toString()), 0600);
            if (result != 0) {
                throw new IOException("mkfifo " + path + " failed: errno " + (int) ERRNO.get(state, 0L));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mkfifo " + path + " failed", t);
        }
    }
}
