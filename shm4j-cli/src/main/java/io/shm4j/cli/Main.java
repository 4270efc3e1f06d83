package io.shm4j.cli;

import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The {@code shm4j} command. Subcommands are registered in the {@code subcommands} list below:
 * adding one is adding its class there. Commands throw; {@link ExitCodes} turns the exception
 * into one stderr line and an exit code.
 */
@Command(name = "shm4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Processes on one host share live data through memory-mapped shared memory.",
        subcommands = {
                LsCommand.class,
                RmCommand.class,
                DumpCommand.class,
                GetCommand.class,
                FollowersCommand.class,
                PutCommand.class,
                WatchCommand.class,
                ServeCommand.class,
                InspectCommand.class,
                DemoCommand.class,
                BenchCommand.class,
        })
public final class Main implements Runnable {

    @Option(names = "--verbose", description = "On errors, print the stack trace too.")
    boolean verbose;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Region directory (default: $SHM4J_DIR, else /dev/shm/shm4j).")
    Path dir;

    @Spec
    CommandSpec spec;

    /** Options with the region directory this invocation uses. */
    ShmOptions options() {
        return ShmOptions.defaults().withDirectory(dir);
    }

    /** The region directory this invocation uses. */
    Path directory() {
        return RegionFiles.directory(options());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /** The configured command line: error handling and exit codes in place. */
    public static CommandLine commandLine() {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> ExitCodes.report(e, cmd.getErr(), main.verbose));
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine cmd = e.getCommandLine();
            cmd.getErr().println("shm4j: " + e.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The version Maven wrote into {@code version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {"shm4j " + p.getProperty("version") + " (Java " + Runtime.version() + ")"};
        }
    }
}
