package io.shm4j.cli;

import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The shared-object demo (the seed's section 4): one master JVM publishes a changing
 * configuration while follower JVMs print each version they see and how old it was when they saw
 * it. This process only starts them, relays their lines and removes the region afterwards.
 */
final class ObjectsDemo {
    static final String TAG = "demo-objects";

    private final ShmOptions options;
    private final PrintWriter out;
    private final int followers;
    private final int seconds;
    private final List<Process> processes = new ArrayList<>();

    ObjectsDemo(ShmOptions options, PrintWriter out, int followers, int seconds) {
        this.options = options;
        this.out = out;
        this.followers = followers;
        this.seconds = seconds;
    }

    int run() throws IOException, InterruptedException {
        Path dir = RegionFiles.ensureDirectory(options);
        if (Files.exists(dir.resolve(TAG))) {
            throw new FileAlreadyExistsException(dir.resolve(TAG).toString(), null, "region " + TAG + " already exists in "
                    + dir + " (a demo is running, or one was interrupted); remove it with 'shm4j rm " + TAG + "'");
        }
        Thread onInterrupt = new Thread(this::cleanUp, "shm4j-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            out.printf("shm4j demo objects: a master process publishes a configuration object about 5 times a second for %d s;%n"
                    + "%d follower processes (separate JVMs, read-only mappings) print every version they see and its age.%n"
                    + "Region '%s' in %s. Lines in [brackets] come from that process.%n%n", seconds, followers, TAG, dir);
            out.flush();
            List<Thread> relays = new ArrayList<>();
            Process master = start("master", relays, "master", dir.toString(), TAG, String.valueOf(seconds));
            List<Process> readers = new ArrayList<>();
            for (int i = 1; i <= followers; i++) {
                readers.add(start("follower " + i, relays, "follower", dir.toString(), TAG, String.valueOf(i)));
            }
            int failures = await(master, seconds + 60L);
            for (Process p : readers) {
                failures += await(p, 60);
            }
            for (Thread t : relays) {
                t.join(5_000);
            }
            out.println();
            out.println(failures == 0 ? "Done: every follower saw whole versions only, and the last one. Region removed."
                    : failures + " demo process(es) failed; see above.");
            out.flush();
            return failures == 0 ? ExitCodes.OK : ExitCodes.SOFTWARE;
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it cleans up
            }
        }
    }

    private Process start(String label, List<Thread> relays, String... args) throws IOException {
        Process p = new ProcessBuilder(JavaCommand.of(ObjectsDemoPeer.class, args))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        processes.add(p);
        String prefix = "[" + label + ", pid " + p.pid() + "] ";
        Thread relay = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.println(prefix + line);
                        out.flush();
                    }
                }
            } catch (IOException ended) {
                // the process is gone
            }
        }, "relay-" + label);
        relay.setDaemon(true);
        relay.start();
        relays.add(relay);
        return p;
    }

    private static int await(Process p, long timeoutSeconds) throws InterruptedException {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return 1;
        }
        return p.exitValue() == 0 ? 0 : 1;
    }

    private void cleanUp() {
        processes.forEach(Process::destroyForcibly);
        try {
            new RegionFileSet(RegionFiles.directory(options)).remove(TAG);
        } catch (IOException e) {
            out.println("could not remove region " + TAG + ": " + e.getMessage() + "; remove it with 'shm4j rm " + TAG + "'");
        }
        out.flush();
    }
}
