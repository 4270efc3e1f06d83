package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.CorruptRegionException;
import io.shm4j.InconsistentSnapshotException;
import io.shm4j.MasterConflictException;
import io.shm4j.ObjectTooLargeException;
import io.shm4j.ReadOnlyRegionException;
import io.shm4j.RegionNotFoundException;
import io.shm4j.RegionShrunkException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.NoSuchElementException;

/**
 * The exit codes of {@code shm4j} and the one place that turns an exception into one: every
 * command just throws, {@link Main} reports through {@link #report}. docs/CLI.md lists the same
 * table; keep both in step.
 */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** An unexpected failure, i.e. a bug in shm4j: rerun with {@code --verbose} and report it. */
    public static final int SOFTWARE = 1;
    /** Bad command line: unknown command or option, missing or malformed argument. */
    public static final int USAGE = 2;
    /** The region (or file) named does not exist. */
    public static final int NOT_FOUND = 3;
    /**
     * Input the command cannot act on: bad tag, out-of-range offset, region exists, read-only,
     * a value the codec cannot encode or decode, an object over the size limit.
     */
    public static final int INVALID_INPUT = 4;
    /** Another live process is the master of the shared object. */
    public static final int MASTER_CONFLICT = 5;
    /**
     * The region's bytes are not a valid shm4j region of the expected kind, or its file shrank
     * under this process (another program truncated it).
     */
    public static final int CORRUPT_REGION = 6;
    /** An operating-system I/O failure: permissions, full /dev/shm, ... */
    public static final int IO_ERROR = 7;
    /** The region changed under every read attempt (a very busy master): try again. */
    public static final int BUSY = 8;
    /** {@code put --await-seen}: published, but some live followers had not read it in time (named on stderr). */
    public static final int NOT_SEEN = 9;
    /** Interrupted (Ctrl-C): 128 + SIGINT, as shells report it. */
    public static final int INTERRUPTED = 130;

    private ExitCodes() {
    }

    /** The exit code for a command that ended with {@code e}. */
    public static int of(Throwable e) {
        return switch (e) {
            case NoSuchFileException _ -> NOT_FOUND; // includes RegionNotFoundException
            case NoSuchElementException _ -> NOT_FOUND; // a region with no version yet, a JSON pointer with no value
            case FileAlreadyExistsException _, ReadOnlyRegionException _, IllegalArgumentException _ -> INVALID_INPUT;
            case IOException _, UncheckedIOException _ -> IO_ERROR;
            case CorruptRegionException _, RegionShrunkException _ -> CORRUPT_REGION;
            case MasterConflictException _ -> MASTER_CONFLICT;
            case CodecException _, ObjectTooLargeException _ -> INVALID_INPUT;
            case InconsistentSnapshotException _ -> BUSY;
            case InterruptedException _ -> INTERRUPTED;
            case NotSeenException _ -> NOT_SEEN;
            default -> SOFTWARE;
        };
    }

    /**
     * Prints {@code shm4j: <message>} as one line on {@code err} (the stack trace too when
     * {@code verbose}) and returns the exit code.
     */
    public static int report(Throwable e, PrintWriter err, boolean verbose) {
        int code = of(e);
        String message = message(e);
        err.println("shm4j: " + (code == SOFTWARE ? "internal error (" + e.getClass().getName() + "): " + message
                + (verbose ? "" : "; rerun with --verbose for details") : message));
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** As {@link #reportUsage(picocli.CommandLine.ParameterException, String)} with picocli's message. */
    public static int reportUsage(picocli.CommandLine.ParameterException e) {
        return reportUsage(e, e.getMessage());
    }

    /**
     * Prints a bad command line as one line, {@code shm4j: <message> (see '<command> --help')},
     * and returns {@link #USAGE}: picocli's parameter exception handler.
     */
    public static int reportUsage(picocli.CommandLine.ParameterException e, String message) {
        picocli.CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("shm4j: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        cmd.getErr().flush();
        return USAGE;
    }

    private static String message(Throwable e) {
        String m = e instanceof FileSystemException f && f.getReason() != null ? describe(f) : e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ');
    }

    private static String describe(FileSystemException f) {
        if (f.getFile() == null || f instanceof RegionNotFoundException || f instanceof FileAlreadyExistsException) {
            return f.getReason();
        }
        return f.getFile() + ": " + f.getReason();
    }
}
