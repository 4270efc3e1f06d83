package io.shm4j.cli;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.Snapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

/** {@code shm4j watch TAG}: one JSON line per new version until interrupted. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print each new version of a shared object as one JSON line, {\"version\":..,\"value\":..}, until interrupted.",
                "Versions published faster than they are printed are skipped: a watcher always moves to the newest."})
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = main.spec.commandLine().getOut();
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), main.options())) {
            long seen = 0;
            while (!Thread.currentThread().isInterrupted()) {
                Snapshot s = follower.snapshot();
                if (s != null && s.version() > seen) {
                    seen = s.version();
                    out.println(line(s));
                    out.flush();
                } else {
                    LockSupport.parkNanos(1_000_000);
                }
            }
        }
        return ExitCodes.INTERRUPTED;
    }

    /** {@code {"version":N,"value":V}}: JSON as is, text as a string, raw bytes as a hex string. */
    static String line(Snapshot s) {
        ObjectNode line = JsonInput.MAPPER.createObjectNode();
        line.put("version", s.version());
        if (s.contentType() == ContentType.JSON) {
            line.set("value", JsonInput.parse(s.text(), "version " + s.version()));
        } else {
            line.put("value", s.contentType() == ContentType.TEXT ? s.text() : HexFormat.of().formatHex(s.bytes()));
        }
        return JsonInput.MAPPER.writeValueAsString(line);
    }
}
