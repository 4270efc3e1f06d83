package io.shm4j.cli;

import io.shm4j.ObjectTooLargeException;
import io.shm4j.ShmOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options of the commands that publish ({@code put}, {@code serve}): the library's size limit and file mode. */
final class MasterOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--max-size", paramLabel = "BYTES",
            description = "Largest value accepted, in bytes (default: 64 MiB, ShmOptions.DEFAULT_MAX_OBJECT_SIZE).")
    Integer maxSize;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "Permissions of a region this command creates: 0600 (default: owner only), 0640 (group reads), 0660 (group reads and writes).")
    String mode;

    /** {@code options} with these options applied. */
    ShmOptions apply(ShmOptions options) {
        if (maxSize != null) {
            if (maxSize < 0) {
                throw new ParameterException(spec.commandLine(), "--max-size must be >= 0 bytes, got " + maxSize);
            }
            options = options.withMaxObjectSize(maxSize);
        }
        if (mode != null) {
            options = options.withFileMode(switch (mode) {
                case "0600", "600" -> ShmOptions.FileMode.OWNER_ONLY;
                case "0640", "640" -> ShmOptions.FileMode.GROUP_READ;
                case "0660", "660" -> ShmOptions.FileMode.GROUP_WRITE;
                default -> throw new ParameterException(spec.commandLine(),
                        "--mode must be 0600, 0640 or 0660, got '" + mode + "'");
            });
        }
        return options;
    }

    /** The library's error, worded for the command line (its flag, not ShmOptions); exit 4. */
    static IllegalArgumentException tooLarge(ObjectTooLargeException e) {
        return new IllegalArgumentException(e.getMessage().replace("raise ShmOptions.withMaxObjectSize",
                "raise the limit with --max-size BYTES"), e);
    }
}
