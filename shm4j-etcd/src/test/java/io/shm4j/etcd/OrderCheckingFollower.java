package io.shm4j.etcd;

import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.ShmOptions;
import io.shm4j.SnapshotBuffer;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A follower in its own process, on a mirrored host: reads every version of {@code tag} it can,
 * counts versions whose {@code n} is smaller than the one before (a mirror publishing older after
 * newer), and when it reads {@code n == final} prints "final SHA256 BACKWARDS". Args: dir tag final.
 */
public final class OrderCheckingFollower {
    public static void main(String[] args) throws Exception {
        ShmOptions options = ShmOptions.defaults().withDirectory(Path.of(args[0]));
        int last = Integer.parseInt(args[2]);
        JsonMapper json = JsonMapper.builder().build();
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(args[1], byte[].class, options)) {
            System.out.println("following");
            SnapshotBuffer buffer = new SnapshotBuffer();
            int previous = -1;
            int backwards = 0;
            while (true) {
                if (!follower.awaitNewer(buffer, Duration.ofSeconds(1))) {
                    continue;
                }
                int n = json.readTree(buffer.array(), 0, buffer.length()).get("n").asInt();
                if (n < previous) {
                    backwards++;
                }
                previous = n;
                if (n == last) {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    sha.update(buffer.array(), 0, buffer.length());
                    System.out.println("final " + HexFormat.of().formatHex(sha.digest()) + " " + backwards);
                    return;
                }
            }
        }
    }
}
