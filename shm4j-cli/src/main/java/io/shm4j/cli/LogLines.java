package io.shm4j.cli;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * The CLI's backend of {@link System.Logger} (META-INF/services), so that the library's log
 * records follow the rule for stderr (docs/CLI.md): a warning or error is one line,
 * {@code shm4j: warning: <message>}; the library's notices (INFO and below) and a record's
 * stack trace appear only with {@code --verbose}; the JDK's own loggers print warnings and errors
 * only. Python's CLI prints the same lines (cli._LogLine).
 *
 * <p>Why a LoggerFinder and not a java.util.logging configuration: java.util.logging prints a
 * record as two lines with a timestamp, and its LogManager, which the JDK's default backend
 * starts in every command, is then never loaded (start-up: docs/BENCHMARKS.md, "CLI start-up").
 * A logger here is one small object, made when the library first asks for it.
 */
public final class LogLines extends System.LoggerFinder {
    /** --verbose of the running command: set through {@link #verbose(boolean)} before the command runs. */
    private static volatile boolean verbose;

    /**
     * Shows the library's notices and stack traces, or hides them: {@link Main} and the etcd
     * mirror's command line (another jar) call it with their command's --verbose.
     */
    public static void verbose(boolean on) {
        verbose = on;
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new Line(name, name.equals("io.shm4j") || name.startsWith("io.shm4j."));
    }

    /** One logger; {@code library}: shm4j's own, whose notices --verbose shows (the JDK's stay hidden). */
    private record Line(String name, boolean library) implements System.Logger {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean isLoggable(Level level) {
            return level != Level.OFF && (level.getSeverity() >= Level.WARNING.getSeverity() || verbose && library);
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String message, Throwable thrown) {
            if (isLoggable(level)) {
                print(level, message, thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            if (isLoggable(level)) {
                print(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params), null);
            }
        }
    }

    private static void print(System.Logger.Level level, String message, Throwable thrown) {
        String text = String.valueOf(message);
        // Some of the library's messages name shm4j themselves, for a log of another program's.
        text = text.startsWith("shm4j: ") ? text.substring("shm4j: ".length()) : text;
        synchronized (System.err) {
            System.err.println("shm4j: " + level.getName().toLowerCase(Locale.ROOT) + ": " + text.replace('\n', ' '));
            if (verbose && thrown != null) {
                thrown.printStackTrace();
            }
        }
    }
}
