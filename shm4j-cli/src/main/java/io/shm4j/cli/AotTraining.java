package io.shm4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training run of the JVM's ahead-of-time cache ({@code ./shm4j} runs it once with
 * {@code -XX:AOTCacheOutput}): the everyday commands on a throwaway region directory, each on
 * its own command line as {@link Main#run} builds it, so that the classes they load are cached
 * ({@code get} both by its streaming copy and by the tree, with --pointer). Prints nothing;
 * removes its directory.
 */
final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("shm4j-aot-training");
        try {
            String d = dir.toString();
            for (List<String> command : List.of(
                    List.of("--dir", d, "put", "training", "{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":true}}"),
                    List.of("--dir", d, "get", "training"),
                    List.of("--dir", d, "get", "training", "--pointer", "/a/0"),
                    List.of("--dir", d, "get", "training", "--meta"),
                    List.of("--dir", d, "watch", "training", "--count", "1"),
                    List.of("--dir", d, "ls"),
                    List.of("--dir", d, "inspect", "training"),
                    List.of("--dir", d, "dump", "training", "--length", "16"),
                    List.of("--dir", d, "get", "missing"),
                    List.of("--dir", d, "rm", "training"),
                    List.of("--help"),
                    List.of("get", "--help"))) {
                String[] line = command.toArray(String[]::new);
                var cl = Main.commandLine(line);
                cl.setOut(new PrintWriter(new StringWriter()));
                cl.setErr(new PrintWriter(new StringWriter()));
                cl.execute(line);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        // As Main ends: System.exit starts the JDK's logging of the exit (its System.Logger),
        // whose classes the cache then holds too (about 15 ms of every command's end otherwise).
        System.exit(0);
    }
}
