package io.shm4j.bench;

import java.io.File;
import java.nio.MappedByteBuffer;
import java.util.List;
import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastReceiver;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;

/**
 * Agrona's one-to-many broadcast buffer on a mapped file: {@link BroadcastTransmitter} in the
 * master, a {@link CopyBroadcastReceiver} per follower that busy-polls and copies each message
 * into a heap array. The buffer holds at least eight messages (Agrona's limit is capacity / 8).
 * A follower that falls a whole buffer behind is lapped and skips ahead, as Agrona documents.
 */
public final class AgronaBroadcastPeer implements Peer {
    private static final int MESSAGE_TYPE = 1;
    private static final int MIN_CAPACITY = 64 * 1024;

    @Override
    public String name() {
        return "agrona";
    }

    @Override
    public boolean busyPolls() {
        return true;
    }

    @Override
    public String description() {
        return "Agrona BroadcastTransmitter / CopyBroadcastReceiver on a mapped file, follower busy-polls";
    }

    @Override
    public boolean mayDropNewest() {
        return true;
    }

    @Override
    public List<String> jvmOptions() {
        // Agrona 2 reaches jdk.internal.misc.Unsafe, which java.base does not export by default.
        return List.of("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");
    }

    @Override
    public Publisher publisher(PeerContext context) {
        MappedByteBuffer mapped = IoUtil.mapNewFile(file(context), bufferLength(context.payloadSize()));
        BroadcastTransmitter transmitter = new BroadcastTransmitter(new UnsafeBuffer(mapped));
        UnsafeBuffer source = new UnsafeBuffer(new byte[0]);
        return new Publisher() {
            @Override
            public void publish(byte[] payload) {
                source.wrap(payload);
                transmitter.transmit(MESSAGE_TYPE, source, 0, payload.length);
            }

            @Override
            public void close() {
                IoUtil.unmap(mapped);
            }
        };
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) {
        MappedByteBuffer mapped = IoUtil.mapExistingFile(file(context), "agrona broadcast buffer");
        byte[] copy = new byte[context.payloadSize()];
        CopyBroadcastReceiver receiver = new CopyBroadcastReceiver(
                new BroadcastReceiver(new UnsafeBuffer(mapped)), new UnsafeBuffer(copy));
        return new Subscriber() {
            @Override
            public void next(Observation into) {
                // The handler gets the scratch buffer, which wraps `copy`: the message is already there.
                while (true) {
                    try {
                        if (receiver.receive((type, buffer, offset, length) -> { }) > 0) {
                            Payload.read(copy, into);
                            return;
                        }
                    } catch (IllegalStateException lapped) {
                        // "unable to keep up with broadcast": overwritten during the copy; take the next one.
                        continue;
                    }
                    Thread.onSpinWait();
                }
            }

            @Override
            public void close() {
                IoUtil.unmap(mapped);
            }
        };
    }

    private static long bufferLength(int payloadSize) {
        int capacity = BitUtil.findNextPositivePowerOfTwo(Math.max(MIN_CAPACITY, 16 * payloadSize));
        return capacity + BroadcastBufferDescriptor.TRAILER_LENGTH;
    }

    private static File file(PeerContext context) {
        return context.directory().resolve("agrona.broadcast").toFile();
    }
}
