package io.shm4j.bench;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on stderr: a bar redrawn in place on a terminal, one line per case otherwise (a log or
 * CI). Failed and skipped cases are always printed on their own line with the reason.
 */
final class ProgressBar implements BenchSuite.Listener {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final long start = System.nanoTime();

    ProgressBar(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void started(BenchPlan.Case c, int index, int total) {
        int filled = (index - 1) * WIDTH / total;
        String line = String.format(Locale.ROOT, "[%s%s] %d/%d  %s %s x%d  run %d  %s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), index, total, c.peer().name(),
                Units.bytes(c.payloadBytes()), c.followers(), c.run(), elapsed());
        if (terminal) {
            out.print("\r\033[K" + line);
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void finished(BenchPlan.Case c, CaseResult result) {
        if (result.status() != CaseResult.Status.OK) {
            out.println((terminal ? "\r\033[K" : "") + result.status() + " " + c.peer().name() + " "
                    + Units.bytes(c.payloadBytes()) + " x" + c.followers() + ": " + result.note());
        }
    }

    void done() {
        if (terminal) {
            out.print("\r\033[K");
        }
        out.println("[" + "#".repeat(WIDTH) + "] done in " + elapsed());
    }

    private String elapsed() {
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        return String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
