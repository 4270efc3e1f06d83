package io.shm4j.cli;

import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Exit code and captured output of one in-process run of the CLI (public for shm4j-python's tests). */
public record CliRun(int code, String out, String err) {
    public List<String> errLines() {
        return err.lines().toList();
    }

    /** Runs {@code shm4j --dir DIR ARGS...} in this JVM. */
    public static CliRun in(Path dir, String... args) {
        List<String> all = new ArrayList<>(List.of("--dir", dir.toString()));
        all.addAll(List.of(args));
        return raw(all.toArray(String[]::new));
    }

    /** As {@link #in}, with {@code stdin} as standard input (System.in, restored after). */
    public static CliRun in(Path dir, byte[] stdin, String... args) {
        InputStream before = System.in;
        System.setIn(new ByteArrayInputStream(stdin));
        try {
            return in(dir, args);
        } finally {
            System.setIn(before);
        }
    }

    /** Runs {@code shm4j ARGS...} in this JVM. */
    public static CliRun raw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
