package io.shm4j.bench;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A Unix domain stream socket per follower; the follower blocks in {@code read}. */
public final class UnixSocketPeer implements Peer {

    @Override
    public String name() {
        return "uds";
    }

    @Override
    public String description() {
        return "Unix domain socket, one connection per follower, follower blocks in read";
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(address(context), context.followers());
        return StreamEnds.publisher(context.followers(), follower -> server.accept(), server);
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws IOException {
        return StreamEnds.subscriber(SocketChannel.open(address(context)), context.payloadSize());
    }

    private static UnixDomainSocketAddress address(PeerContext context) {
        return UnixDomainSocketAddress.of(context.directory().resolve("uds.sock"));
    }
}
