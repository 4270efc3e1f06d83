package io.shm4j.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A TCP connection per follower over loopback (127.0.0.1), Nagle off on both ends; the follower
 * blocks in {@code read}. The master's ephemeral port is passed through a file in the case
 * directory.
 */
public final class TcpPeer implements Peer {

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public String description() {
        return "TCP loopback, TCP_NODELAY, one connection per follower, follower blocks in read";
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), context.followers());
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        Files.writeString(portFile(context), Integer.toString(port), StandardCharsets.US_ASCII);
        return StreamEnds.publisher(context.followers(), follower -> {
            SocketChannel channel = server.accept();
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return channel;
        }, server);
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws IOException {
        int port = Integer.parseInt(Files.readString(portFile(context), StandardCharsets.US_ASCII).trim());
        SocketChannel channel = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        return StreamEnds.subscriber(channel, context.payloadSize());
    }

    private static Path portFile(PeerContext context) {
        return context.directory().resolve("tcp.port");
    }
}
