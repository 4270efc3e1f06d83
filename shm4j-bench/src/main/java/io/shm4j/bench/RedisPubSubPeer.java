package io.shm4j.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Redis pub/sub through a real {@code redis-server} on loopback: the master sends
 * {@code PUBLISH} and waits for its reply; each follower is subscribed and blocks in {@code read}
 * until Redis pushes the message. Two socket hops (master to Redis, Redis to follower) and
 * Redis's own copy: this is Redis's fastest way to fan a value out.
 */
public final class RedisPubSubPeer implements Peer {
    private static final byte[] PUBLISH = "PUBLISH".getBytes(StandardCharsets.US_ASCII);
    private static final String CHANNEL = "shm4j-bench";

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public String description() {
        return "Redis pub/sub via redis-server on 127.0.0.1, follower blocks in read";
    }

    @Override
    public boolean needsServer() {
        return true;
    }

    @Override
    public String unavailableReason() {
        return RedisServer.executable().isPresent() ? null
                : "redis-server is not installed (on Debian: apt-get install -y redis-server)";
    }

    @Override
    public PeerServer startServer(Path workDir) throws Exception {
        return RedisServer.start(workDir);
    }

    @Override
    public Publisher publisher(PeerContext context) throws Exception {
        RespConnection connection = new RespConnection(port(context));
        byte[] channel = CHANNEL.getBytes(StandardCharsets.US_ASCII);
        return new Publisher() {
            @Override
            public void publish(byte[] payload) throws Exception {
                connection.send(PUBLISH, channel, payload);
                connection.readReply();
            }

            @Override
            public void close() throws Exception {
                connection.close();
            }
        };
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws Exception {
        RespConnection connection = new RespConnection(port(context));
        connection.call("SUBSCRIBE", CHANNEL);
        byte[] copy = new byte[context.payloadSize()];
        return new Subscriber() {
            @Override
            public void next(Observation into) throws Exception {
                connection.readMessageInto(copy);
                Payload.read(copy, into);
            }

            @Override
            public void close() throws Exception {
                connection.close();
            }
        };
    }

    private static int port(PeerContext context) {
        return Integer.parseInt(context.property(RedisServer.PORT_PROPERTY));
    }
}
