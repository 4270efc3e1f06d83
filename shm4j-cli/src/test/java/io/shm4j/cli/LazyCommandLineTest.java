package io.shm4j.cli;

import io.shm4j.testing.TestDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Main#commandLine(String[])} builds only the command its arguments name (start-up), and
 * every command where help, completion or a suggestion needs them: either way the output and
 * exit code are those of the command line with every command.
 */
class LazyCommandLineTest {

    @RegisterExtension
    final TestDirectory dir = TestDirectory.create();

    private static final List<String> ALL = List.of("help", "ls", "rm", "dump", "get", "followers", "put", "watch",
            "serve", "inspect", "demo", "bench", "generate-completion");

    @Test
    void aNamedCommandIsTheOnlyOneBuilt() {
        String d = dir.path().toString();
        assertThat(Main.commandLine(new String[] {"get", "t"}).getSubcommands()).containsOnlyKeys("get");
        assertThat(Main.commandLine(new String[] {"--dir", d, "--verbose", "put", "t", "{}"}).getSubcommands())
                .containsOnlyKeys("put");
        assertThat(Main.commandLine(new String[] {"--dir", "ls", "get", "t"}).getSubcommands()).containsOnlyKeys("get");
        assertThat(Main.commandLine(new String[] {"demo", "objects"}).getSubcommands()).containsOnlyKeys("demo");
    }

    @Test
    void helpCompletionAndUnknownWordsBuildEveryCommand() {
        for (List<String> args : List.of(List.<String>of(), List.of("--help"), List.of("help", "get"),
                List.of("generate-completion"), List.of("frob"), List.of("--version"), List.of("--dir"),
                List.of("--", "get"), List.of("@args", "get"))) {
            assertThat(Main.commandLine(args.toArray(String[]::new)).getSubcommands().keySet())
                    .as(args.toString()).containsExactlyElementsOf(ALL);
        }
        assertThat(Main.commandLine().getSubcommands().keySet()).containsExactlyElementsOf(ALL);
    }

    @Test
    void printsAndExitsAsTheCommandLineWithEveryCommand() {
        String d = dir.path().toString();
        assertThat(CliRun.in(dir.path(), "put", "t", "{\"a\":1}").code()).isZero();
        for (List<String> args : List.<List<String>>of(
                List.of("--dir", d, "get", "t"),
                List.of("get", "t", "--dir", d, "--pointer", "/a"),
                List.of("--dir", d, "get", "missing"),
                List.of("get"),
                List.of("get", "--help"),
                List.of("get", "t", "--frob"),
                List.of("--frob", "get", "t"),
                List.of("get", "t", "extra"),
                List.of("--dir", d, "ls"),
                List.of("demo", "--help"),
                List.of("--help"),
                List.of("help", "get"),
                List.of("frob"),
                List.of("gte", "t"),
                List.of("--", "get"),
                List.of("generate-completion"),
                List.of())) {
            String[] a = args.toArray(String[]::new);
            assertThat(run(Main.commandLine(a), a)).as(args.toString()).isEqualTo(run(Main.commandLine(), a));
        }
    }

    /** Exit code, stdout and stderr of {@code args} on {@code cl}. */
    private static List<String> run(CommandLine cl, String[] args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return List.of(Integer.toString(code), out.toString(), err.toString());
    }
}
