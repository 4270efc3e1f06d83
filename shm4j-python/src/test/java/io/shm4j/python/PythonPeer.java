package io.shm4j.python;

import io.shm4j.ChildJvm;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the Python side as real processes: {@code python3 -m tests.procs ...} (or any module)
 * run in {@code python/}, the interpreter and directory given by the build
 * ({@code shm4j.python.executable}, {@code shm4j.python.dir}; see this module's pom).
 */
final class PythonPeer {
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

    /** {@code python3 -m module args...} in {@code python/}. */
    static ChildJvm module(String module, Object... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(System.getProperty("shm4j.python.executable", "python3"), "-m", module));
        for (Object arg : args) {
            command.add(String.valueOf(arg));
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory().toFile());
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().put("PYTHONPATH", directory().toString());
        return ChildJvm.of(builder);
    }
}
