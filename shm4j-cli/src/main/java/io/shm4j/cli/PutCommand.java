package io.shm4j.cli;

import io.shm4j.ObjectCodecs;
import io.shm4j.FollowerInfo;
import io.shm4j.ObjectTooLargeException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectMaster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shm4j put TAG [JSON | --file F | -]}: publish one version, as a momentary master. */
@Command(name = "put", mixinStandardHelpOptions = true,
        description = {"Publish a JSON value to a shared object, as its master for a moment.",
                "Refused (exit 5, naming the pid) while another master runs; invalid JSON publishes nothing (exit 4)."})
final class PutCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    @Parameters(index = "1", arity = "0..1", paramLabel = "JSON", description = "The value; '-' or nothing reads standard input.")
    String json;

    @Option(names = "--file", paramLabel = "F", description = "Read the value from this file.")
    Path file;

    @Mixin
    MasterOptions master;

    @Spec
    CommandSpec spec;

    @Option(names = "--await-seen", paramLabel = "D", converter = DurationConverter.class,
            description = {"After publishing, wait up to D (e.g. 10s) until every live registered follower has read the version.",
                    "Exit 9 (NOT_SEEN), naming those that had not, if some had not by then."})
    Duration awaitSeen;

    @Override
    public Integer call() throws Exception {
        if (file != null && json != null) {
            throw Main.conflict(spec, "--file", json.equals("-") ? "'-' (standard input)" : "a JSON argument",
                    "give the value one way");
        }
        if (file == null && (json == null || json.equals("-")) && stdinIsTerminal()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("shm4j: reading the JSON value for " + tag + " from standard input; end it with Ctrl-D (Ctrl-C cancels)");
            err.flush();
        }
        JsonNode value = JsonInput.parse(JsonInput.read(json, file), JsonInput.source(json, file));
        try (SharedObjectMaster<JsonNode> master = SharedObject.master(tag, ObjectCodecs.jsonTree(), this.master.apply(main.options()))) {
            long version;
            try {
                version = master.publish(value);
            } catch (ObjectTooLargeException e) {
                throw MasterOptions.tooLarge(e);
            }
            main.spec.commandLine().getOut().println("published " + tag + " version " + version);
            main.spec.commandLine().getOut().flush();
            if (awaitSeen != null) {
                List<FollowerInfo> late = master.awaitSeen(version, awaitSeen);
                if (!late.isEmpty()) {
                    throw new NotSeenException(tag, version, awaitSeen, late);
                }
            }
        }
        return ExitCodes.OK;
    }

    /** Whether standard input is a terminal (Linux: /proc names the device a descriptor is open on). */
    private static boolean stdinIsTerminal() {
        try {
            String device = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
            return device.startsWith("/dev/pts/") || device.startsWith("/dev/tty");
        } catch (Exception e) {
            return false; // no /proc: say nothing rather than guess
        }
    }
}
