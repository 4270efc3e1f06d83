package io.shm4j.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on 127.0.0.1 for the Redis peer: started on a free port with no
 * persistence and no pub/sub output-buffer limit, stopped (SIGTERM) when closed.
 */
final class RedisServer implements Peer.PeerServer {
    static final String PORT_PROPERTY = "redis.port";

    private final Process process;
    private final int port;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The redis-server executable on PATH, if any. */
    static Optional<Path> executable() {
        return ForkedJvm.onPath("redis-server");
    }

    static RedisServer start(Path workDir) throws IOException, InterruptedException {
        Path executable = executable().orElseThrow(() -> new IOException("redis-server is not on PATH"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process process = new ProcessBuilder(List.of(executable.toString(),
                "--port", Integer.toString(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
                "--save", "", "--appendonly", "no", "--dir", workDir.toString(),
                "--client-output-buffer-limit", "pubsub 0 0 0", "--loglevel", "warning"))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis-server.log").toFile())
                .start();
        RedisServer server = new RedisServer(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (RespConnection connection = new RespConnection(port)) {
                if ("PONG".equals(connection.call("PING"))) {
                    return server;
                }
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IOException("redis-server did not answer PING on port " + port
                            + "; its log: " + Files.readString(workDir.resolve("redis-server.log")), notYet);
                }
                Thread.sleep(20);
            }
        }
    }

    @Override
    public Map<String, String> properties() {
        return Map.of(PORT_PROPERTY, Integer.toString(port));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
