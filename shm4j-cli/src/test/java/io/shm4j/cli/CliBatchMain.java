package io.shm4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Child-process entry point: runs several CLI commands in one JVM, separated by {@code ";"}
 * arguments, and prints {@code RESULT <exit code> <stderr as one line>} for each.
 */
public final class CliBatchMain {
    private CliBatchMain() {
    }

    public static void main(String[] args) {
        List<String> command = new ArrayList<>();
        for (String arg : (String.join("\u0000", args) + "\u0000;").split("\u0000")) {
            if (arg.equals(";")) {
                CliRun r = CliRun.raw(command.toArray(String[]::new));
                System.out.println("RESULT " + r.code() + " " + String.join(" | ", r.errLines()));
                command.clear();
            } else {
                command.add(arg);
            }
        }
        System.out.flush();
    }

    /** The arguments that run {@code commands} in one {@link CliBatchMain}. */
    static String[] args(List<List<String>> commands) {
        List<String> out = new ArrayList<>();
        for (List<String> c : commands) {
            if (!out.isEmpty()) {
                out.add(";");
            }
            out.addAll(c);
        }
        return out.toArray(String[]::new);
    }

    static List<String> command(String... args) {
        return Arrays.asList(args);
    }
}
