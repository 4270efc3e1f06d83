package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link BenchPlan}: every case of every run through the {@link CaseRunner}, in the plan's
 * interleaved order, starting a peer's server (Redis) once per run, and turning an unavailable peer or a server
 * that does not start into SKIPPED / FAILED results that say why.
 */
public final class BenchSuite {

    /** Told about each case as it starts and ends. */
    public interface Listener {
        void started(BenchPlan.Case c, int index, int total);

        void finished(BenchPlan.Case c, CaseResult result);
    }

    private BenchSuite() {
    }

    public static List<CaseResult> run(BenchPlan plan, Listener listener) throws Exception {
        List<CaseResult> results = new ArrayList<>();
        int index = 0;
        int total = plan.caseCount();
        for (int run = 1; run <= plan.runs(); run++) {
            // Peers are interleaved within a run, so a server lives for the whole run.
            Map<Peer, Server> servers = new LinkedHashMap<>();
            try {
                for (BenchPlan.Case c : plan.cases(run)) {
                    Server server = servers.computeIfAbsent(c.peer(), BenchSuite::start);
                    listener.started(c, ++index, total);
                    CaseResult result = server.reason != null
                            ? CaseResult.skipped(c, server.reason)
                            : inState(c, server.server.properties());
                    results.add(result);
                    listener.finished(c, result);
                }
            } finally {
                for (Server server : servers.values()) {
                    server.close();
                }
            }
        }
        return results;
    }

    /**
     * Runs a case between two probes of the machine's state ({@link CoherenceProbe}): the report
     * compares two cases only if both ran in the same state.
     */
    private static CaseResult inState(BenchPlan.Case c, Map<String, String> serverProperties) throws InterruptedException {
        double before = CoherenceProbe.sharedCopyRatio();
        CaseResult result = CaseRunner.run(c, serverProperties);
        return result.withCoherence(new CaseResult.Coherence(before, CoherenceProbe.sharedCopyRatio()));
    }

    /** A peer's server for one run (or none), or why the peer cannot run. */
    private record Server(Peer.PeerServer server, Path directory, String reason) {
        void close() throws Exception {
            server.close();
            if (directory != null) {
                CaseRunner.deleteRecursively(directory);
            }
        }
    }

    private static Server start(Peer peer) {
        String reason = peer.unavailableReason();
        if (reason != null || !peer.needsServer()) {
            return new Server(Peer.PeerServer.NONE, null, reason);
        }
        Path directory;
        try {
            directory = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-bench-server-");
        } catch (IOException e) {
            return new Server(Peer.PeerServer.NONE, null, "cannot create its server's directory: " + e.getMessage());
        }
        try {
            return new Server(peer.startServer(directory), directory, null);
        } catch (Exception e) {
            CaseRunner.deleteRecursively(directory);
            return new Server(Peer.PeerServer.NONE, null, "its server did not start: " + e.getMessage());
        }
    }
}
