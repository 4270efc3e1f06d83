package io.shm4j.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A master or follower JVM started by the {@link CaseRunner}: same java and classpath as this JVM,
 * the same base options for every peer plus the peer's own. Stdout lines are queued for the
 * runner; stderr goes to a file whose tail explains a failure.
 */
final class ForkedJvm implements AutoCloseable {
    /** The same for every peer, so that memory and JIT behaviour are comparable. */
    static final List<String> BASE_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx1g",
            "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    /** What binds a forked JVM to CPUs (util-linux). */
    static final String TASKSET = "taskset";
    private static final String END_OF_OUTPUT = "\u0000end";

    private final String name;
    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ForkedJvm(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        Thread pump = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // the process is gone; END_OF_OUTPUT below tells the reader
            }
            lines.add(END_OF_OUTPUT);
        }, "stdout-" + name);
        pump.setDaemon(true);
        pump.start();
    }

    /** The executable {@code program} on PATH, if any. */
    static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Starts {@code mainClass}; with {@code cpus} non-null, bound to those CPUs ({@code taskset -c}). */
    static ForkedJvm start(String name, List<String> peerOptions, String cpus, Class<?> mainClass, List<String> args,
                           Path logDir) throws IOException {
        List<String> command = new ArrayList<>();
        if (cpus != null) {
            command.addAll(List.of(TASKSET, "-c", cpus));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(BASE_OPTIONS);
        command.addAll(peerOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        Path stderr = logDir.resolve(name + ".stderr");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new ForkedJvm(name, process, stderr);
    }

    /** Waits for the next stdout line starting with {@code prefix}; returns the rest of it. */
    String awaitLine(String prefix, Duration timeout) throws TimeoutException, InterruptedException, IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new TimeoutException(name + " printed no '" + prefix + "' within " + timeout.toSeconds() + " s" + stderrTail());
            }
            if (line.equals(END_OF_OUTPUT)) {
                lines.add(line);
                throw new IOException(name + " ended before printing '" + prefix + "'" + exitText() + stderrTail());
            }
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length()).trim();
            }
        }
    }

    void sendLine(String line) throws IOException {
        Writer writer = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        writer.write(line + "\n");
        writer.flush();
    }

    /** Waits for a clean exit; a non-zero exit or a hang is an error with the stderr tail. */
    void awaitExit(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException(name + " did not exit within " + timeout.toSeconds() + " s" + stderrTail());
        }
        if (process.exitValue() != 0) {
            throw new IOException(name + exitText() + stderrTail());
        }
    }

    long pid() {
        return process.pid();
    }

    private String exitText() {
        return process.isAlive() ? "" : " (exit code " + process.exitValue() + ")";
    }

    /**
     * What stderr says went wrong: the last exception line (a {@code Caused by} or the thrown
     * one) if there is one, else the last line.
     */
    String stderrTail() {
        try {
            List<String> lines = Files.readAllLines(stderr);
            String reason = null;
            for (String line : lines) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("at ") && !trimmed.startsWith("...")
                        && (trimmed.contains("Exception") || trimmed.contains("Error"))) {
                    reason = trimmed;
                }
            }
            if (reason == null && !lines.isEmpty()) {
                reason = lines.getLast().strip();
            }
            return reason == null || reason.isEmpty() ? "" : "; stderr: " + reason;
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
