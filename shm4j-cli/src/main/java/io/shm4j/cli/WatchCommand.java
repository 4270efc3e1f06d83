package io.shm4j.cli;

import io.shm4j.ContentType;
import io.shm4j.ObjectCodecs;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.ShmOptions;
import io.shm4j.internal.RegionFiles;
import io.shm4j.Snapshot;
import io.shm4j.WaitStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code shm4j watch TAG... [--count N]}: one JSON line per new version of any of the tags, N of them or until interrupted. */
@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Print each new version of shared objects as one JSON line, {\"tag\":..,\"version\":..,\"value\":..}, until interrupted.",
                "Versions published faster than they are printed are skipped: a watcher always moves to the newest.",
                "A tag that does not exist yet is waited for (its master may start later)."})
final class WatchCommand implements Callable<Integer> {
    /** Longest a watch waits for a tag to be created: for ever. */
    private static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE);

    @ParentCommand
    Main main;

    @Parameters(arity = "1..*", paramLabel = "TAG", description = "Shared object tags.")
    List<String> tags;

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
        Main.requireInRange(spec, "--count", count == null ? 0 : count, 0, Long.MAX_VALUE);
        tags.forEach(RegionFiles::validateTag);
        if (count != null && count == 0) {
            return ExitCodes.OK; // no line wanted: a tag not created yet would be waited for, for ever
        }
        Lines lines = new Lines(main.spec.commandLine().getOut(), count == null ? Long.MAX_VALUE : count);
        ShmOptions options = main.options().withWaitStrategy(strategy.strategy).withCreationTimeout(FOREVER);
        if (tags.size() == 1) {
            watch(tags.getFirst(), options, lines);
            return ExitCodes.OK;
        }
        // One thread per tag; the first to end (--count reached, or a failure with that tag's error) ends the command.
        try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(threads);
            for (String tag : tags) {
                done.submit(() -> {
                    watch(tag, options, lines);
                    return null;
                });
            }
            try {
                done.take().get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            } finally {
                threads.shutdownNow();
            }
        }
        return ExitCodes.OK;
    }

    private static void watch(String tag, ShmOptions options, Lines lines) throws Exception {
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            long seen = 0;
            while (lines.wanted()) {
                Optional<Snapshot> next = follower.awaitNewer(seen, Duration.ofDays(1));
                if (next.isPresent()) {
                    seen = next.get().version();
                    if (!lines.print(line(tag, next.get()))) {
                        return;
                    }
                }
            }
        }
    }

    /** The output, shared by the tags' threads: whole lines, at most {@code --count} of them. */
    private static final class Lines {
        private final PrintWriter out;
        private long left;

        Lines(PrintWriter out, long count) {
            this.out = out;
            this.left = count;
        }

        synchronized boolean wanted() {
            return left > 0;
        }

        /** Prints {@code line} if more are wanted; returns whether more are wanted after it. */
        synchronized boolean print(String line) {
            if (left > 0) {
                out.println(line);
                out.flush();
                left--;
            }
            return left > 0;
        }
    }

    /** {@code {"tag":T,"version":N,"value":V}}: JSON as is, text as a string, raw bytes as a hex string. */
    static String line(String tag, Snapshot s) {
        JsonNode value;
        if (s.contentType() == ContentType.JSON) {
            value = JsonInput.published(s, "version " + s.version());
        } else {
            value = JsonInput.mapper().getNodeFactory().stringNode(s.contentType() == ContentType.TEXT
                    ? JsonInput.publishedText(s, "version " + s.version()) : HexFormat.of().formatHex(s.bytes()));
        }
        // Written apart from the wrapper: a value 500 deep (Jackson's limit, which get prints) is
        // 501 inside it, over the writer's limit.
        return "{\"tag\":\"" + tag + "\",\"version\":" + GetCommand.unsigned(s.version()) + ",\"value\":" // u64, as Python prints it
                + JsonInput.mapper().writeValueAsString(value) + "}";
    }
}
