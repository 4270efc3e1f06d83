package io.shm4j.cli;

import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.Properties;

/**
 * The {@code shm4j} command. Subcommands are listed in {@link #COMMANDS}: adding one is adding
 * its class there. Commands throw; {@link ExitCodes} turns the exception into one stderr line
 * and an exit code.
 *
 * <p>Its model, and get's ({@link #BUILT}: the command scripts run most), are built in code; the
 * other commands' by picocli from their annotations. Reading annotations costs one proxy class
 * per annotation type and reflection over each class: most of a command's start-up.
 */
public final class Main implements Runnable {
    final CommandSpec spec = CommandSpec.wrapWithoutInspection(this).name("shm4j").versionProvider(new Version());

    // INHERIT: accepted before or after the command (shm4j --dir D get T, shm4j get T --dir D), as Python's CLI.
    private final OptionSpec verbose = option(spec, OptionSpec.builder("--verbose").type(boolean.class)
            .scopeType(ScopeType.INHERIT).description("On errors, print the stack trace too; print the library's notices."));

    private final OptionSpec dir = option(spec, OptionSpec.builder("--dir").type(Path.class).paramLabel("DIR")
            .scopeType(ScopeType.INHERIT).description("Region directory (default: $SHM4J_DIR, else /dev/shm/shm4j)."));

    private Main() {
        standardHelpOptions(spec);
        spec.usageMessage()
                .description("Processes on one host share live data through memory-mapped shared memory.")
                .footer("", "'shm4j help COMMAND' or 'shm4j COMMAND --help': a command's options. Reference: docs/CLI.md.");
    }

    /**
     * Adds -h/--help and -V/--version to {@code command} as {@code mixinStandardHelpOptions}
     * does (same texts, after the command's own options), without reading picocli's mixin class
     * by reflection.
     */
    static void standardHelpOptions(CommandSpec command) {
        command.addOption(OptionSpec.builder("-h", "--help").type(boolean.class).usageHelp(true)
                .description("Show this help message and exit.").build());
        command.addOption(OptionSpec.builder("-V", "--version").type(boolean.class).versionHelp(true)
                .description("Print version information and exit.").build());
    }

    /** Adds the option {@code builder} describes to {@code command}; returns it (its value after parsing). */
    static OptionSpec option(CommandSpec command, OptionSpec.Builder builder) {
        OptionSpec option = builder.build();
        command.addOption(option);
        return option;
    }

    /** Whether --verbose was given. */
    boolean verbose() {
        return Boolean.TRUE.equals(verbose.getValue());
    }

    /** Options with the region directory this invocation uses. */
    ShmOptions options() {
        return ShmOptions.defaults().withDirectory(dir.getValue());
    }

    /** The region directory this invocation uses. */
    Path directory() {
        return RegionFiles.directory(options());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    /**
     * A usage error (exit 2) unless {@code min <= value <= max}: an option's value out of its
     * range, e.g. {@code --count must be >= 0, got -1} ({@code max} Long.MAX_VALUE: no upper bound).
     * Public for the etcd mirror's command line (another jar), which follows the same rule.
     */
    public static void requireInRange(CommandSpec command, String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new CommandLine.ParameterException(command.commandLine(), option + " must be "
                    + (max == Long.MAX_VALUE ? ">= " + min : min + ".." + max) + ", got " + value);
        }
    }

    /** A usage error (exit 2) for two options given together that exclude each other. */
    static CommandLine.ParameterException conflict(CommandSpec command, String first, String second, String instead) {
        return new CommandLine.ParameterException(command.commandLine(),
                first + " and " + second + " cannot be combined; " + instead);
    }

    /**
     * The subcommands, in the order help lists them; each is named by its {@code @Command}, or
     * built in code ({@link #BUILT}). generate-completion is hidden: the launcher's install
     * writes its script.
     */
    private static final List<Class<?>> COMMANDS = List.of(
            HelpCommand.class,
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
            AutoComplete.GenerateCompletion.class);

    /** The commands whose model is built in code (start-up): the model of each, for its parent. */
    private static final Map<Class<?>, Function<Main, CommandSpec>> BUILT = Map.of(GetCommand.class, GetCommand::spec);

    /** The commands that read the whole tree of commands: help lists it, generate-completion writes it. */
    private static final Set<Class<?>> TREE_READERS = Set.of(HelpCommand.class, AutoComplete.GenerateCompletion.class);

    /** The configured command line with every command: error handling and exit codes in place. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The configured command line for {@code args}: with only the command they name, else
     * (none, help, an unknown word, generate-completion) with every command. picocli builds a
     * command's model by reflection, one proxy class per annotation type, which is most of the
     * CLI's start-up: {@code shm4j get} builds get's alone. Parsing is the same either way.
     */
    public static CommandLine commandLine(String[] args) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main.spec);
        Class<?> named = args == null ? null : main.named(commandWord(args));
        for (Class<?> command : COMMANDS) {
            if (named == null || command == named) {
                Function<Main, CommandSpec> built = BUILT.get(command);
                cl.addSubcommand(built != null ? new CommandLine(built.apply(main)) : command);
            }
        }
        cl.setExecutionStrategy(parsed -> {
            LogLines.verbose(main.verbose()); // the library's notices, for this command's run
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> ExitCodes.report(e, cmd.getErr(), main.verbose()));
        cl.setParameterExceptionHandler((e, _) -> ExitCodes.reportUsage(e, usageMessage(e)));
        return cl;
    }

    /**
     * The command class named {@code word}, or null for none, an unknown word, or a command that
     * reads the tree. Those built in code are looked at first: no annotation is read for them.
     */
    private Class<?> named(String word) {
        Class<?> found = null;
        for (var built : BUILT.entrySet()) {
            if (built.getValue().apply(this).name().equals(word)) {
                found = built.getKey();
            }
        }
        for (int i = 0; found == null && word != null && i < COMMANDS.size(); i++) {
            Class<?> command = COMMANDS.get(i);
            if (!BUILT.containsKey(command) && command.getAnnotation(Command.class).name().equals(word)) {
                found = command;
            }
        }
        return found == null || TREE_READERS.contains(found) ? null : found;
    }

    /**
     * The first argument that is neither an option of shm4j's own nor --dir's value: the
     * command's name, or null. Null too where picocli would not read a command there: after
     * "--", or with an @argument file.
     */
    private static String commandWord(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--") || a.startsWith("@")) {
                return null;
            }
            if (a.equals("--dir")) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    /** picocli's message, but an unknown command is named as one, with the closest command. */
    private static String usageMessage(CommandLine.ParameterException e) {
        if (e instanceof UnmatchedArgumentException u && !u.getCommandLine().getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")
                && u.getCommandLine().getParseResult().subcommand() == null) {
            String unknown = u.getUnmatched().getFirst();
            return "unknown command '" + unknown + "'; did you mean '" + closest(unknown, u.getCommandLine()) + "'?";
        }
        return e.getMessage();
    }

    /** The visible command nearest to {@code word} in edit distance (the first of equals, in help order). */
    static String closest(String word, CommandLine cl) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (var c : cl.getSubcommands().entrySet()) {
            int d = editDistance(word, c.getKey());
            if (!c.getValue().getCommandSpec().usageMessage().hidden() && d < bestDistance) {
                best = c.getKey();
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance (Python's CLI computes the same). */
    static int editDistance(String a, String b) {
        int[] row = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            row[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int up = row[j];
                row[j] = Math.min(Math.min(row[j] + 1, row[j - 1] + 1), diagonal + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
                diagonal = up;
            }
        }
        return row[b.length()];
    }

    public static void main(String[] args) {
        System.exit(run(args, Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"), StandardCharsets.UTF_8)));
    }

    /**
     * Runs the command line. {@code argumentCharset} is the one the JVM decoded {@code args} in:
     * one that is not UTF-8 (ASCII under a POSIX/C locale) turns every character it lacks into
     * U+FFFD, and such an argument is refused (exit 2) rather than published replaced.
     */
    static int run(String[] args, Charset argumentCharset) {
        if (!argumentCharset.equals(StandardCharsets.UTF_8)) {
            for (String arg : args) {
                if (arg.indexOf('\uFFFD') >= 0) {
                    System.err.println("shm4j: an argument holds characters the locale's charset (" + argumentCharset
                            + ") cannot represent, and the JVM replaced them: run under a UTF-8 locale (LC_ALL=C.UTF-8;"
                            + " ./shm4j does so), or give the value with --file or on standard input");
                    return ExitCodes.USAGE;
                }
            }
        }
        return commandLine(args).execute(args);
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
