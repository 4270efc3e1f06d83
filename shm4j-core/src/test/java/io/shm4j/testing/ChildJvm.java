package io.shm4j.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real, separate JVM running a {@code main} class from the test classpath, for cross-process
 * tests. Its stdout lines are queued for the test to read; stderr is inherited (shows in the
 * surefire report). Always use with try-with-resources: close kills the process if still alive.
 */
public final class ChildJvm implements AutoCloseable {
    /**
     * How long a test waits for a child to start and print its first line: generous, because a
     * JVM starting beside a dozen busy processes on two cores took over 30 s (issue 11 part 8).
     */
    public static final Duration START = Duration.ofSeconds(180);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> allLines = java.util.Collections.synchronizedList(new ArrayList<>());

    private ChildJvm(Process process) {
        this.process = process;
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    allLines.add(line);
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "child-stdout-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code mainClass} with {@code args} in a new JVM with this JVM's java and classpath. */
    public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
        return start(List.of(), mainClass, args);
    }

    /** As {@link #start(Class, String...)}, with extra JVM options. */
    public static ChildJvm start(List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        return start(List.of(), jvmOptions, mainClass, args);
    }

    /** As {@link #start(List, Class, String...)}, run through {@code prefix} (e.g. {@code setpriv ...}). */
    public static ChildJvm start(List<String> prefix, List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        return of(new ProcessBuilder(command(prefix, jvmOptions, mainClass, args)));
    }

    /**
     * Runs {@code mainClass} to its end in a JVM that also logs, among its stdout lines, each
     * class it initialises ({@code Initializing 'io/shm4j/X'}): for start-up tests, what a path
     * does not initialise it does not pay for. Its stdout lines; an {@link AssertionError} if it
     * exits non-zero.
     */
    public static List<String> runLoggingClassInit(Class<?> mainClass, String... args) throws IOException, InterruptedException {
        try (ChildJvm child = start(List.of("-Xlog:class+init=info:stdout"), mainClass, args)) {
            int code = child.waitFor(START);
            if (code != 0) {
                throw new AssertionError(mainClass.getName() + " exited " + code);
            }
            return child.output();
        }
    }

    /** The command line {@link #start(List, List, Class, String...)} runs. */
    public static List<String> command(List<String> prefix, List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.add("-XX:+UseSerialGC");
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts another kind of child process (e.g. a Python peer) with the same line reading and
     * cleanup; its stderr is inherited unless {@code builder} redirects it.
     */
    public static ChildJvm of(ProcessBuilder builder) throws IOException {
        if (builder.redirectError() == ProcessBuilder.Redirect.PIPE) {
            builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        return new ChildJvm(builder.start());
    }

    /** The next stdout line, or an {@link AssertionError} after {@code timeout}. */
    public String nextLine(Duration timeout) throws InterruptedException {
        String line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("child " + process.pid() + " printed nothing within " + timeout
                    + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")") + "; output so far: " + allLines);
        }
        return line;
    }

    /** Reads lines until one starts with {@code prefix}; returns it. */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("child " + process.pid() + " never printed '" + prefix + "' within " + timeout
                        + "; output: " + allLines);
            }
            String line = nextLine(Duration.ofNanos(left));
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Every stdout line so far. */
    public List<String> output() {
        synchronized (allLines) {
            return List.copyOf(allLines);
        }
    }

    /** Waits for exit and returns the exit code, or throws if it runs longer than {@code timeout}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child " + process.pid() + " still running after " + timeout + "; output: " + output());
        }
        return process.exitValue();
    }

    public Process process() {
        return process;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, as a crash: no shutdown hooks, no finally blocks. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
