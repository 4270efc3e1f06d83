package io.shm4j.bench;

import io.shm4j.WaitStrategy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Every peer the harness knows, in report order: shm4j first, then the limit, then the alternatives. */
public final class Peers {
    /** shm4j with followers sleeping on the futex. */
    public static final String SHM4J_BLOCK = "shm4j-block";
    /** The name that picks no peer in {@link #selection}. */
    static final String NONE = "none";
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

    public static List<String> names() {
        return ALL.stream().map(Peer::name).toList();
    }

    /** The peer {@code name}, or an error listing the known names. */
    public static Peer require(String name) {
        requireKnown(List.of(name), names());
        return named(name).orElseThrow();
    }

    /** {@code names} if each is one of {@code known}, else an error for the first that is not, listing those. */
    static <C extends Collection<String>> C requireKnown(C names, List<String> known) {
        for (String name : names) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown name '" + name + "'; known: " + String.join(", ", known));
            }
        }
        return names;
    }

    /**
     * The peer names {@code names} picks ({@code --scale}, {@code --wakeup}, {@code --overload}):
     * known peers, or none for {@value #NONE} alone.
     */
    static Set<String> selection(Set<String> names) {
        if (names.contains(NONE)) {
            if (names.size() > 1) {
                throw new IllegalArgumentException(NONE + " names no peer: give it alone, not with "
                        + String.join(",", names.stream().filter(name -> !name.equals(NONE)).toList()));
            }
            return Set.of();
        }
        List<String> known = new ArrayList<>(names());
        known.add(NONE);
        return requireKnown(names, known);
    }
}
