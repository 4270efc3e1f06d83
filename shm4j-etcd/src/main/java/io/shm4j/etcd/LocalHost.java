package io.shm4j.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's name, as records and pusher locks name it. */
final class LocalHost {
    private LocalHost() {
    }

    /** /proc's kernel host name (no DNS lookup, which can hang), else the JDK's, else "localhost". */
    static String name() {
        try {
            String n = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!n.isEmpty()) {
                return n;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: ask the JDK
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
