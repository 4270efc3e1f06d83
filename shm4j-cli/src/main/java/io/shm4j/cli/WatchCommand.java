package io.shm4j.cli;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.Snapshot;
import io.shm4j.WaitStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code shm4j watch TAG [--count N]}: one JSON line per new version, N of them or until interrupted. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print each new version of a shared object as one JSON line, {\"version\":..,\"value\":..}, until interrupted.",
                "Versions published faster than they are printed are skipped: a watcher always moves to the newest."})
final class WatchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "TAG", description = "Shared object tag.")
    String tag;

    /** The CLI's names for the wait strategies. */
    enum Strategy {
        block(WaitStrategy.BLOCK), spin(WaitStrategy.BUSY_SPIN), backoff(WaitStrategy.BACKOFF);

        final WaitStrategy strategy;

        Strategy(WaitStrategy strategy) {
            this.strategy = strategy;
        }
    }

    @Option(names = "--strategy", paramLabel = "S", defaultValue = "block",
            description = "How to wait: block (kernel futex, no CPU while idle; default), spin (a whole core, lowest latency), backoff (polls).")
    Strategy strategy;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N lines (default: until interrupted).")
    Long count;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (count != null && count < 0) {
            throw new ParameterException(spec.commandLine(), "--count must be >= 0, got " + count);
        }
        PrintWriter out = main.spec.commandLine().getOut();
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(),
                main.options().withWaitStrategy(strategy.strategy))) {
            long seen = 0;
            for (long printed = 0; count == null || printed < count; ) {
                Optional<Snapshot> next = follower.awaitNewer(seen, Duration.ofDays(1));
                if (next.isPresent()) {
                    seen = next.get().version();
                    out.println(line(next.get()));
                    out.flush();
                    printed++;
                }
            }
        }
        return ExitCodes.OK;
    }

    /** {@code {"version":N,"value":V}}: JSON as is, text as a string, raw bytes as a hex string. */
    static String line(Snapshot s) {
        JsonNode value;
        if (s.contentType() == ContentType.JSON) {
            value = JsonInput.published(s, "version " + s.version());
        } else {
            value = JsonInput.MAPPER.getNodeFactory().stringNode(s.contentType() == ContentType.TEXT
                    ? JsonInput.publishedText(s, "version " + s.version()) : HexFormat.of().formatHex(s.bytes()));
        }
        // Written apart from the wrapper: a value 500 deep (Jackson's limit, which get prints) is
        // 501 inside it, over the writer's limit.
        return "{\"version\":" + GetCommand.unsigned(s.version()) + ",\"value\":" // u64, as Python prints it
                + JsonInput.MAPPER.writeValueAsString(value) + "}";
    }
}
