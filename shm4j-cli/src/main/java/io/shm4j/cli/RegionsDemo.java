package io.shm4j.cli;

import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The regions demo: this process narrates and drives three child JVMs
 * ({@link RegionsDemoProcess}) one step at a time over their stdin, relaying what each prints.
 * The children, not this process, map the region.
 */
final class RegionsDemo {
    static final String TAG = "demo-regions";

    private final ShmOptions options;
    private final PrintWriter out;
    private final boolean keep;
    private final long pauseMillis;
    private final List<Child> children = new ArrayList<>();
    private int stepsShown;

    /** {@code pauseMillis}: wait between the numbered steps, for presenting (0: none). */
    RegionsDemo(ShmOptions options, PrintWriter out, boolean keep, long pauseMillis) {
        this.options = options;
        this.out = out;
        this.keep = keep;
        this.pauseMillis = pauseMillis;
    }

    int run() throws IOException, InterruptedException {
        Path dir = RegionFiles.directory(options);
        Path file = dir.resolve(TAG);
        if (Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString(), null, "region " + TAG + " already exists in " + dir
                    + " (a demo is running, or one was kept with --keep); remove it with 'shm4j rm " + TAG + "'");
        }
        Thread onInterrupt = new Thread(this::cleanUp, "shm4j-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        boolean success = false;
        try {
            narrate(dir);
            success = true;
        } finally {
            if (success && keep) {
                children.forEach(Child::kill);
                out.println("Kept region " + TAG + ": try 'shm4j ls', 'shm4j dump " + TAG + "', 'shm4j rm " + TAG + "'.");
            } else {
                cleanUp();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: it cleans up
            }
        }
        return ExitCodes.OK;
    }

    private void narrate(Path dir) throws IOException, InterruptedException {
        out.println("shm4j demo regions: three separate JVMs share the region '" + TAG + "' in " + dir + ".");
        out.println("Each line in [brackets] is printed by that process; this process only narrates.");
        Child writer = start("writer", "WRITE", dir);
        Child reader = start("reader", "READ", dir);
        Child copier = start("copier", "COPY", dir);
        out.println("Started writer pid " + writer.process.pid() + ", reader pid " + reader.process.pid()
                + " and copier pid " + copier.process.pid() + ".");

        heading("1. The writer creates the region (AccessMode.WRITE: a shared mapping) and writes three lines");
        writer.step("create");
        heading("2. Two more processes map it: one with AccessMode.READ, one with AccessMode.COPY");
        reader.step("open");
        copier.step("open");
        heading("3. The READ process walks the shared text with readLine(), find() and rfind()");
        reader.step("lines");
        reader.step("find GBPUSD");
        heading("4. READ mode refuses writes");
        reader.step("try-write");
        heading("5. COPY is private copy-on-write: the copier's write reaches no other process and not the file");
        copier.step("set EURUSD 9.9999");
        copier.step("quote EURUSD");
        reader.step("quote EURUSD");
        writer.step("quote EURUSD");
        heading("6. WRITE is shared: the writer updates EURUSD and the READ process sees it at once");
        writer.step("set EURUSD 1.0850");
        reader.step("quote EURUSD");
        copier.step("quote EURUSD");
        out.println("   (the copier's page was copied on its first write, so it keeps its own bytes)");
        heading("7. Done: the three processes close their mappings and exit");
        for (Child c : children) {
            c.exit();
        }
        out.flush();
    }

    private void heading(String text) throws InterruptedException {
        out.flush();
        if (stepsShown++ > 0) {
            Thread.sleep(pauseMillis);
        }
        out.println();
        out.println(text);
        out.flush();
    }

    private Child start(String role, String mode, Path dir) throws IOException {
        List<String> cmd = JavaCommand.of(RegionsDemoProcess.class, mode, dir.toString(), TAG);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Child c = new Child(role, mode, p);
        children.add(c);
        return c;
    }

    /** Stops every child and removes the region and its helper files; safe to run twice. */
    private void cleanUp() {
        children.forEach(Child::kill);
        try {
            new RegionFileSet(RegionFiles.directory(options)).remove(TAG);
        } catch (IOException e) {
            out.println("could not remove region " + TAG + ": " + e.getMessage() + "; remove it with 'shm4j rm " + TAG + "'");
        }
        out.flush();
    }

    /** One child JVM, driven by a command per stdin line; it ends each step's output with ".". */
    private final class Child {
        private final String label;
        private final Process process;
        private final BufferedReader stdout;
        private final Writer stdin;

        Child(String role, String mode, Process process) {
            this.label = String.format("%-6s %-5s pid %d", role, mode, process.pid());
            this.process = process;
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        void step(String command) throws IOException, InterruptedException {
            send(command);
            for (String line; (line = stdout.readLine()) != null; ) {
                if (line.equals(RegionsDemoProcess.END_OF_STEP)) {
                    out.flush();
                    return;
                }
                out.println("   [" + label + "] " + line);
            }
            throw new IOException("demo process " + label + " ended during '" + command + "' with exit code "
                    + process.waitFor() + "; its error is printed above");
        }

        void exit() throws IOException, InterruptedException {
            send(RegionsDemoProcess.EXIT);
            int code = process.waitFor();
            if (code != 0) {
                throw new IOException("demo process " + label + " exited with code " + code);
            }
        }

        private void send(String command) throws IOException {
            stdin.write(command + "\n");
            stdin.flush();
        }

        void kill() {
            process.destroyForcibly();
        }
    }
}
