package io.shm4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a {@link BenchPlan}: every case of every run through the {@link CaseRunner}, starting a
 * peer's server (Redis) once for its cases of a run, and turning an unavailable peer or a server
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
            List<BenchPlan.Case> cases = plan.cases(run);
            for (Peer peer : plan.peers()) {
                List<BenchPlan.Case> mine = cases.stream().filter(c -> c.peer() == peer).toList();
                String reason = peer.unavailableReason();
                Peer.PeerServer server = Peer.PeerServer.NONE;
                Path serverDir = null;
                if (reason == null && peer.needsServer()) {
                    serverDir = Files.createTempDirectory(CaseRunner.scratchRoot(), "shm4j-bench-server-");
                    try {
                        server = peer.startServer(serverDir);
                    } catch (Exception e) {
                        reason = "its server did not start: " + e.getMessage();
                    }
                }
                try {
                    for (BenchPlan.Case c : mine) {
                        listener.started(c, ++index, total);
                        CaseResult result = reason != null
                                ? CaseResult.skipped(c, reason)
                                : CaseRunner.run(c, server.properties());
                        results.add(result);
                        listener.finished(c, result);
                    }
                } finally {
                    server.close();
                    if (serverDir != null) {
                        CaseRunner.deleteRecursively(serverDir);
                    }
                }
            }
        }
        return results;
    }
}
