package io.shm4j.cli;

import io.shm4j.FollowerInfo;
import io.shm4j.SharedObject;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code shm4j followers TAG [--json]}: who follows a tag, and what each has read. */
@Command(name = "followers", mixinStandardHelpOptions = true,
        description = {"List the followers registered for a shared object: pid, language, name, the version each has read,",
                "its lag, and how it waits. Entries of dead processes are reclaimed and shown once as 'dead'.",
                "Followers that may not write TAG~followers (another user, a read-only mount) read unregistered and are not listed."})
final class FollowersCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    @Option(names = "--json", description = "One JSON array of objects instead of the table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = main.spec.commandLine().getOut();
        List<FollowerInfo> followers = SharedObject.followers(tag, main.options());
        if (json) {
            out.println(JsonInput.mapper().writeValueAsString(json(followers)));
        } else {
            table(followers, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The table {@code followers} and {@code inspect} print. */
    static void table(List<FollowerInfo> followers, PrintWriter out) {
        if (followers.isEmpty()) {
            out.println("no registered followers");
            return;
        }
        String format = "%-8s %-6s %-8s %-20s %10s %6s %10s  %-9s %s%n";
        out.printf(format, "PID", "ALIVE", "LANGUAGE", "NAME", "SEEN", "LAG", "LAG TIME", "WAITING", "SEEN AT");
        for (FollowerInfo f : followers) {
            out.printf(format, f.pid(), f.alive() ? "yes" : "dead", f.language(), f.name().isEmpty() ? "-" : f.name(),
                    GetCommand.unsigned(f.versionSeen()), f.lagVersions(), millis(f.lagTime().toMillis()),
                    f.waiting().name().toLowerCase(java.util.Locale.ROOT), f.seenAt() == null ? "-" : f.seenAt());
        }
    }

    private static String millis(long ms) {
        return ms < 1000 ? ms + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** The {@code --json} form: one object per follower, the fields of {@link FollowerInfo}. */
    static ArrayNode json(List<FollowerInfo> followers) {
        ArrayNode array = JsonInput.mapper().createArrayNode();
        for (FollowerInfo f : followers) {
            ObjectNode o = array.addObject();
            o.put("pid", f.pid());
            o.put("alive", f.alive());
            o.put("language", f.language());
            o.put("name", f.name());
            o.put("registered", f.registeredAt().toString());
            o.put("versionSeen", GetCommand.unsigned(f.versionSeen()));
            if (f.seenAt() == null) {
                o.putNull("seenAt");
            } else {
                o.put("seenAt", f.seenAt().toString());
            }
            o.put("lagVersions", f.lagVersions());
            o.put("lagMillis", f.lagTime().toMillis());
            o.put("waiting", f.waiting().name().toLowerCase(java.util.Locale.ROOT));
        }
        return array;
    }
}
