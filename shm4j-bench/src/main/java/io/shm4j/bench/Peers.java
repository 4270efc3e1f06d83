package io.shm4j.bench;

import io.shm4j.WaitStrategy;
import java.util.List;
import java.util.Optional;

/** Every peer the harness knows, in report order: shm4j first, then the limit, then the alternatives. */
public final class Peers {
    /** shm4j with followers sleeping on the futex. */
    public static final String SHM4J_BLOCK = "shm4j-block";
    private static final List<Peer> ALL = List.of(
            new Shm4jPeer(Report.SHM4J_PEER, Shm4jPeer.Encoding.RAW, WaitStrategy.BUSY_SPIN, true),
            new Shm4jPeer("shm4j-unverified", Shm4jPeer.Encoding.RAW, WaitStrategy.BUSY_SPIN, false),
            new Shm4jPeer(SHM4J_BLOCK, Shm4jPeer.Encoding.RAW, WaitStrategy.BLOCK, true),
            new Shm4jPeer("shm4j-json", Shm4jPeer.Encoding.JSON, WaitStrategy.BUSY_SPIN, true),
            new RawShmPeer(RawShmPeer.Variant.LINE_ALIGNED),
            new RawShmPeer(RawShmPeer.Variant.PAGE_ALIGNED),
            new RawShmPeer(RawShmPeer.Variant.BY_LINES),
            new RawShmPeer(RawShmPeer.Variant.RING),
            new RawShmPeer(RawShmPeer.Variant.AHEAD),
            new PipePeer(),
            new UnixSocketPeer(),
            new TcpPeer(),
            new JsonFilePeer(),
            new AgronaBroadcastPeer(),
            new ChronicleMapPeer(),
            new RedisPubSubPeer());

    private Peers() {
    }

    /** The raw shared-memory variants: the fastest of them, per size and run, is the limit. */
    public static List<Peer> limits() {
        return ALL.stream().filter(peer -> peer instanceof RawShmPeer).toList();
    }

    public static List<Peer> all() {
        return ALL;
    }

    public static Optional<Peer> named(String name) {
        return ALL.stream().filter(peer -> peer.name().equals(name)).findFirst();
    }

    /** The peer {@code name}, or an error listing the known names. */
    public static Peer require(String name) {
        return named(name).orElseThrow(() -> new IllegalArgumentException(
                "unknown peer '" + name + "'; known: " + ALL.stream().map(Peer::name).toList()));
    }
}
