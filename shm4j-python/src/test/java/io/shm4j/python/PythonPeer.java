package io.shm4j.python;

import io.shm4j.testing.ChildJvm;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the Python side as real processes: {@code python3 -m tests.procs ...} (or any module)
 * run in {@code python/}, the interpreter and directory given by the build
 * ({@code shm4j.python.executable}, {@code shm4j.python.dir}; see this module's pom).
 */
final class PythonPeer {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PythonPeer() {
    }

    /** The {@code python/} directory of the repository. */
    static Path directory() {
        return Path.of(System.getProperty("shm4j.python.dir", "../python")).toAbsolutePath().normalize();
    }

    /** {@code python3 -m tests.procs args...}: the peers described in python/tests/procs.py. */
    static ChildJvm procs(Object... args) throws IOException {
        return module("tests.procs", args);
    }

    /**
     * Runs {@code python3 -m module} with {@code request} as JSON on its standard input; returns the
     * {@code lines} JSON lines it prints, each within {@code timeout}, once it has exited 0.
     */
    static List<JsonNode> exchange(String module, Object request, int lines, Duration timeout)
            throws IOException, InterruptedException {
        try (ChildJvm python = module(module)) {
            try (OutputStream in = python.process().getOutputStream()) {
                in.write(JSON.writeValueAsBytes(request));
            }
            List<JsonNode> out = new ArrayList<>();
            for (int i = 0; i < lines; i++) {
                out.add(JSON.readTree(python.nextLine(timeout)));
            }
            assertThat(python.waitFor(timeout)).as("exit code of python3 -m " + module).isZero();
            return out;
        }
    }

    /** {@code python3 -m module args...} in {@code python/}. */
    static ChildJvm module(String module, Object... args) throws IOException {
        return ChildJvm.of(builder(module, args));
    }

    /** The process {@link #module} starts, not started (e.g. to redirect its stderr). */
    static ProcessBuilder builder(String module, Object... args) {
        List<String> command = new ArrayList<>(List.of(System.getProperty("shm4j.python.executable", "python3"), "-m", module));
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory().toFile());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().put("PYTHONPATH", directory().toString());
        return builder;
    }
}
