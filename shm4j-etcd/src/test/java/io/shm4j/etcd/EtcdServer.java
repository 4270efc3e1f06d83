package io.shm4j.etcd;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd server for one test: Debian's {@code etcd} on 127.0.0.1, free ports, a temporary
 * data directory. {@link #kill()} is kill -9, {@link #start()} restarts it on the same ports and
 * data; {@link #close()} kills it and removes the data. Tests call {@link #assumeInstalled()}
 * first: without etcd they are skipped with a one-line reason.
 */
final class EtcdServer implements AutoCloseable {
    private static final String BINARY = System.getProperty("shm4j.etcd.binary", "etcd");
    private final Path dataDir;
    private final int clientPort;
    private final int peerPort;
    private final List<String> extraArgs;
    private Process process;

    private EtcdServer(List<String> extraArgs) throws IOException {
        this.extraArgs = extraArgs;
        this.dataDir = Files.createTempDirectory("shm4j-etcd-test-");
        this.clientPort = freePort();
        this.peerPort = freePort();
    }

    /** Skips the calling test, with the reason, when no etcd binary is on the PATH. */
    static void assumeInstalled() {
        if (!INSTALLED) {
            System.err.println(SKIP_REASON);
        }
        Assumptions.assumeTrue(INSTALLED, SKIP_REASON);
    }

    private static final String SKIP_REASON = "shm4j-etcd: etcd not installed (apt-get install -y etcd-server): test skipped";
    private static final boolean INSTALLED = installed();

    private static boolean installed() {
        try {
            Process p = new ProcessBuilder(BINARY, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Starts a new server with {@code extraArgs} (e.g. {@code --max-request-bytes=...}). */
    static EtcdServer launch(String... extraArgs) throws IOException, InterruptedException {
        EtcdServer server = new EtcdServer(List.of(extraArgs));
        try {
            server.start();
        } catch (IOException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    int clientPort() {
        return clientPort;
    }

    String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    /** (Re)starts the process on the same ports and data directory; returns when it accepts connections. */
    void start() throws IOException, InterruptedException {
        String client = "http://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> cmd = new ArrayList<>(List.of(BINARY, "--name", "n1", "--data-dir", dataDir.toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "n1=" + peer, "--log-level", "error"));
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("etcd exited " + process.exitValue() + " at start; see " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("etcd did not listen on " + client + " within 60 s; see " + log());
                }
                Thread.sleep(50);
            }
        }
    }

    Path log() {
        return dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    /** kill -9: no chance to flush or say goodbye. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** Compacts the store up to the current revision, with etcdctl's v3 API, so older revisions are gone. */
    long compact() throws IOException, InterruptedException {
        try (var c = io.etcd.jetcd.Client.builder().endpoints(endpoint()).build()) {
            long rev = c.getKVClient().get(Etcd.bytes("/")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
            c.getKVClient().compact(rev).get(30, TimeUnit.SECONDS);
            return rev;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("compaction failed", e);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        kill();
        if (Files.exists(dataDir)) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        Files.deleteIfExists(log());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
