package io.shm4j.bench;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The two ends shared by the byte-stream peers (pipe, Unix socket, TCP). Every payload has the
 * size both sides know, so a message is exactly that many bytes: no length prefix. The master
 * writes each message to every follower's stream in turn (blocking writes); a follower reads one
 * whole message into its heap buffer, blocking in the kernel while nothing has arrived.
 */
final class StreamEnds {

    private StreamEnds() {
    }

    /** Opens one follower's stream on the master side. */
    interface Acceptor {
        WritableByteChannel accept(int follower) throws IOException;
    }

    static Peer.Publisher publisher(int followers, Acceptor acceptor, AutoCloseable resources) {
        List<WritableByteChannel> channels = new ArrayList<>(followers);
        return new Peer.Publisher() {
            @Override
            public void acceptFollowers() throws IOException {
                for (int i = 0; i < followers; i++) {
                    channels.add(acceptor.accept(i));
                }
            }

            @Override
            public void publish(byte[] payload) throws IOException {
                for (WritableByteChannel channel : channels) {
                    ByteBuffer buffer = ByteBuffer.wrap(payload);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            }

            @Override
            public void close() throws Exception {
                for (WritableByteChannel channel : channels) {
                    channel.close();
                }
                resources.close();
            }
        };
    }

    static Peer.Subscriber subscriber(ReadableByteChannel channel, int payloadSize) {
        byte[] message = new byte[payloadSize];
        ByteBuffer buffer = ByteBuffer.wrap(message);
        return new Peer.Subscriber() {
            @Override
            public void next(Observation into) throws IOException {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer) < 0) {
                        throw new EOFException("the master closed the stream in the middle of a message");
                    }
                }
                Payload.read(message, into);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
