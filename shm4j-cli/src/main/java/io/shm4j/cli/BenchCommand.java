package io.shm4j.cli;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code shm4j bench}: runs the benchmark harness, which lives in its own jar
 * ({@code shm4j-bench/target/shm4j-bench.jar}, built by {@code ./shm4j} on first use) so that
 * JMH, Agrona, Chronicle Map and their JVM flags stay out of this jar. Every argument is passed
 * on; the harness's exit code is returned.
 */
@Command(name = "bench",
        description = {"Benchmark shm4j against the raw shared-memory limit and the alternatives.",
                "Pipes, sockets, a JSON file, Agrona, Chronicle Map and Redis, each peer in its own",
                "JVMs; results go under target/bench/. Runs shm4j-bench/target/shm4j-bench.jar with",
                "the arguments given; its own options and exit codes follow."})
public final class BenchCommand implements Callable<Integer> {
    /** Overrides where the benchmark jar is. */
    static final String JAR_PROPERTY = "shm4j.benchJar";

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Option(names = {"-h", "--help"}, description = "This help, then the harness's options (once its jar is built).")
    boolean help;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path jar = benchJar();
        PrintWriter out = spec.commandLine().getOut();
        if (help) {
            spec.commandLine().usage(out);
            if (!Files.isRegularFile(jar)) {
                out.println("The harness's options are listed here once " + jar + " is built (./shm4j bench builds it).");
                out.flush();
                return ExitCodes.OK;
            }
            // Through this command's writer, not inherited: the caller may be capturing it.
            Process usage = new ProcessBuilder(javaJar(jar, List.of("--help"))).redirectErrorStream(true).start();
            out.print(new String(usage.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            out.flush();
            return usage.waitFor();
        }
        if (!Files.isRegularFile(jar)) {
            throw new NoSuchFileException(jar.toString(), null, "the benchmark jar is not built: run ./shm4j bench from"
                    + " the repository (it builds it), or ./mvnw -pl shm4j-bench -am package -DskipTests");
        }
        return new ProcessBuilder(javaJar(jar, arguments)).inheritIO().start().waitFor();
    }

    private static List<String> javaJar(Path jar, List<String> args) {
        // JMH 1.37's runner reads field offsets through sun.misc.Unsafe; the flag keeps JDK 25 quiet about it.
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--sun-misc-unsafe-memory-access=allow", "-jar", jar.toString()));
        command.addAll(args);
        return command;
    }

    /** The jar named by {@value #JAR_PROPERTY}, else the one beside this jar's module in the build tree. */
    static Path benchJar() throws URISyntaxException {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null) {
            return Path.of(configured);
        }
        // shm4j-cli/target/lib/shm4j-cli-*.jar (or target/classes) -> shm4j-bench/target/shm4j-bench.jar
        // (./shm4j passes the property; this is for a JVM started otherwise)
        Path self = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        Path target = self.getParent().getFileName().toString().equals("lib") ? self.getParent().getParent() : self.getParent();
        return target.getParent().resolveSibling("shm4j-bench").resolve("target").resolve("shm4j-bench.jar");
    }
}
