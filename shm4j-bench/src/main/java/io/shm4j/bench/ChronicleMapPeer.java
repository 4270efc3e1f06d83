package io.shm4j.bench;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;

/**
 * Chronicle Map persisted to a file in the case directory (under /dev/shm), shared by the master
 * and the followers. Chronicle Map has no change notification, so the master puts the payload
 * under key 1 and then its sequence number under key 0; a follower polls key 0 (8 bytes) and gets
 * key 1 only when it changed, which is how a careful user avoids copying the whole value on every
 * poll. Chronicle needs JVM flags on JDK 25 (internal JDK access); only this peer's JVMs get them.
 */
public final class ChronicleMapPeer implements Peer {
    private static final Integer VERSION_KEY = 0;
    private static final Integer PAYLOAD_KEY = 1;

    @Override
    public String name() {
        return "chronicle";
    }

    @Override
    public boolean busyPolls() {
        return true;
    }

    @Override
    public String description() {
        return "Chronicle Map persisted in /dev/shm: put payload + version key; follower polls the version key";
    }

    @Override
    public List<String> jvmOptions() {
        return List.of(
                "-Dchronicle.analytics.disable=true",
                "-Dchronicle.announcer.disable=true",
                "-Dchronicle.disk.monitor.disable=true",
                "-Djvm.resource.tracing=false",
                "--sun-misc-unsafe-memory-access=allow",
                "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
                "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED");
    }

    @Override
    public Publisher publisher(PeerContext context) throws IOException {
        ChronicleMap<Integer, byte[]> map = open(context);
        ByteBuffer version = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        return new Publisher() {
            @Override
            public void publish(byte[] payload) {
                map.put(PAYLOAD_KEY, payload);
                map.put(VERSION_KEY, version.putLong(0, Payload.seq(payload)).array());
            }

            @Override
            public void close() {
                map.close();
            }
        };
    }

    @Override
    public Subscriber subscriber(PeerContext context, int index) throws IOException {
        ChronicleMap<Integer, byte[]> map = open(context);
        return new Subscriber() {
            private byte[] seenVersion = map.get(VERSION_KEY);

            @Override
            public void next(Observation into) {
                while (true) {
                    byte[] version = map.get(VERSION_KEY);
                    if (version != null && !java.util.Arrays.equals(version, seenVersion)) {
                        seenVersion = version;
                        Payload.read(map.get(PAYLOAD_KEY), into);
                        return;
                    }
                    Thread.onSpinWait();
                }
            }

            @Override
            public void close() {
                map.close();
            }
        };
    }

    private static ChronicleMap<Integer, byte[]> open(PeerContext context) throws IOException {
        File file = context.directory().resolve("chronicle.map").toFile();
        return ChronicleMapBuilder.of(Integer.class, byte[].class)
                .name("shm4j-bench")
                .entries(2)
                .averageValueSize(context.payloadSize())
                .putReturnsNull(true)
                .createPersistedTo(file);
    }
}
