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

/** {@code shm4j watch TAG...}: one JSON line per new version of any of the tags until interrupted. */
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

    @Override
    public Integer call() throws Exception {
        tags.forEach(RegionFiles::validateTag);
        PrintWriter out = main.spec.commandLine().getOut();
        ShmOptions options = main.options().withWaitStrategy(strategy.strategy).withCreationTimeout(FOREVER);
        if (tags.size() == 1) {
            watch(tags.getFirst(), options, out);
            return ExitCodes.OK;
        }
        // One thread per tag; the first failure ends the command with that tag's error.
        try (ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            ExecutorCompletionService<Void> done = new ExecutorCompletionService<>(threads);
            for (String tag : tags) {
                done.submit(() -> {
                    watch(tag, options, out);
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

    private static void watch(String tag, ShmOptions options, PrintWriter out) throws Exception {
        try (SharedObjectFollower<byte[]> follower = SharedObject.follower(tag, ObjectCodecs.bytes(), options)) {
            long seen = 0;
            while (true) {
                Optional<Snapshot> next = follower.awaitNewer(seen, Duration.ofDays(1));
                if (next.isPresent()) {
                    seen = next.get().version();
                    String line = line(tag, next.get());
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                }
            }
        }
    }

    /** {@code {"tag":T,"version":N,"value":V}}: JSON as is, text as a string, raw bytes as a hex string. */
    static String line(String tag, Snapshot s) {
        JsonNode value;
        if (s.contentType() == ContentType.JSON) {
            value = JsonInput.published(s, "version " + s.version());
        } else {
            value = JsonInput.MAPPER.getNodeFactory().stringNode(s.contentType() == ContentType.TEXT
                    ? JsonInput.publishedText(s, "version " + s.version()) : HexFormat.of().formatHex(s.bytes()));
        }
        // Written apart from the wrapper: a value 500 deep (Jackson's limit, which get prints) is
        // 501 inside it, over the writer's limit.
        return "{\"tag\":\"" + tag + "\",\"version\":" + GetCommand.unsigned(s.version()) + ",\"value\":" // u64, as Python prints it
                + JsonInput.MAPPER.writeValueAsString(value) + "}";
    }
}
