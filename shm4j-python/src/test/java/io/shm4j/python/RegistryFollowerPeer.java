package io.shm4j.python;

import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.ShmOptions;
import io.shm4j.Snapshot;
import io.shm4j.WaitStrategy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A Java follower for the follower-registry interop tests: {@code DIR TAG NAME MODE} (MODE
 * {@code block}: sleeps in awaitNewer; {@code spin}: busy-spins). Prints {@code READY}, then
 * {@code SEEN <version>} for every version it reads, until killed.
 */
public final class RegistryFollowerPeer {
    private RegistryFollowerPeer() {
    }

    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[0])).withFollowerName(args[2])
                .withWaitStrategy(args[3].equals("block") ? WaitStrategy.BLOCK : WaitStrategy.BUSY_SPIN)
                .withCreationTimeout(Duration.ofSeconds(60));
        try (SharedObjectFollower<String> f = SharedObject.follower(args[1], ObjectCodecs.text(), options)) {
            System.out.println("READY");
            long seen = 0;
            while (true) {
                Optional<Snapshot> next = f.awaitNewer(seen, Duration.ofDays(1));
                if (next.isPresent()) {
                    seen = next.get().version();
                    System.out.println("SEEN " + seen);
                }
            }
        }
    }
}
