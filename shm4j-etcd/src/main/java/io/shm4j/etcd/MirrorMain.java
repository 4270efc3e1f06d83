package io.shm4j.etcd;

import io.shm4j.MasterConflictException;
import io.shm4j.SharedObject;
import io.shm4j.SharedObjectFollower;
import io.shm4j.Shm4jException;
import io.shm4j.ShmOptions;
import io.shm4j.cli.ExitCodes;
import io.shm4j.cli.LogLines;
import io.shm4j.cli.Main;
import io.shm4j.internal.RegionFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code shm4j mirror push|pull|status}: the etcd mirror's command line, in its own jar
 * ({@code shm4j-etcd/target/shm4j-mirror.jar}) so the etcd client stays out of the default CLI
 * jar; {@code ./shm4j mirror ...} runs it. Errors: one line on stderr and the exit codes of
 * docs/CLI.md.
 */
@Command(name = "shm4j mirror", mixinStandardHelpOptions = true,
        description = "Mirror shm4j tags across hosts through etcd (docs/MIRROR.md).",
        subcommands = {MirrorMain.Push.class, MirrorMain.Pull.class, MirrorMain.Status.class})
public final class MirrorMain implements Runnable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** gRPC logs INFO lines at start through java.util.logging; held here because JUL keeps loggers weakly. */
    private static final java.util.logging.Logger GRPC_LOG = java.util.logging.Logger.getLogger("io.grpc");

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "On errors, print the stack trace too; show the library's notices.")
    boolean verbose;

    @Option(names = "--dir", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "Region directory (default: $SHM4J_DIR, else /dev/shm/shm4j).")
    Path dir;

    @Spec
    CommandSpec spec;

    ShmOptions shmOptions() {
        return ShmOptions.defaults().withDirectory(dir);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: push, pull or status");
    }

    /** Options push and pull share. */
    static final class Common {
        @Parameters(paramLabel = "TAG", arity = "0..*", description = "Tags to mirror.")
        List<String> tags = new ArrayList<>();

        @Option(names = "--all", description = "Every tag: push every local region (new ones too); pull every key under the prefix.")
        boolean all;

        @Option(names = "--etcd", required = true, paramLabel = "URLS", description = "etcd endpoints, comma-separated: http://h1:2379,http://h2:2379")
        String etcd;

        @Option(names = "--prefix", paramLabel = "P", defaultValue = MirrorOptions.DEFAULT_PREFIX,
                description = "etcd key prefix; tag T is the key P+T (default: ${DEFAULT-VALUE}).")
        String prefix;

        @Option(names = "--max-request-bytes", paramLabel = "N", defaultValue = "" + MirrorOptions.ETCD_DEFAULT_MAX_REQUEST_BYTES,
                description = "etcd's --max-request-bytes (default ${DEFAULT-VALUE}, etcd's default): larger objects are not pushed.")
        int maxRequestBytes;

        @Option(names = "--host", paramLabel = "NAME", description = "This host's name in records and the pusher role (default: the kernel's host name).")
        String host;

        MirrorOptions options(MirrorMain main, CommandSpec spec) {
            if (all == !tags.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "name the tags to mirror, or --all (not both)");
            }
            Main.requireInRange(spec, "--max-request-bytes", maxRequestBytes, MirrorOptions.MIN_MAX_REQUEST_BYTES, Integer.MAX_VALUE);
            PrintWriter out = spec.commandLine().getOut();
            MirrorOptions o = MirrorOptions.of(etcd).withTags(tags).withPrefix(prefix).withMaxRequestBytes(maxRequestBytes)
                    .withShmOptions(main.shmOptions())
                    .withListener(e -> {
                        synchronized (out) {
                            out.println(e);
                            out.flush();
                        }
                    });
            return host == null ? o : o.withHostName(host);
        }
    }

    /** Runs {@code mirror} until the process is told to stop (SIGINT, SIGTERM), then closes it. */
    static int runUntilStopped(EtcdMirror mirror) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            mirror.close();
            stopped.countDown();
        }, "shm4j-mirror-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stopped.await();
        return ExitCodes.OK;
    }

    @Command(name = "push", mixinStandardHelpOptions = true,
            description = {"Write each new version of local tags to etcd, as the one pusher of each tag across hosts.",
                    "Runs beside the tags' masters until stopped; prints one line per state change."})
    static final class Push implements Callable<Integer> {
        @ParentCommand
        MirrorMain main;
        @Spec
        CommandSpec spec;
        @Mixin
        Common common;

        @Option(names = "--ttl", paramLabel = "SECONDS", defaultValue = "10",
                description = "TTL of the lease holding the pusher role: a standby takes over this long after a pusher dies (default ${DEFAULT-VALUE}).")
        long ttl;

        @Option(names = "--standby", description = "If another pusher holds a tag, wait and take over when its lease ends (default: refuse).")
        boolean standby;

        @Override
        public Integer call() throws Exception {
            Main.requireInRange(spec, "--ttl", ttl, MirrorOptions.MIN_LEASE_TTL_SECONDS, MirrorOptions.MAX_LEASE_TTL_SECONDS);
            MirrorOptions o = common.options(main, spec).withLeaseTtl(Duration.ofSeconds(ttl)).withStandby(standby);
            return runUntilStopped(EtcdMirror.push(o));
        }
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = {"Become the local master of tags and publish each etcd revision of them into the local region.",
                    "Runs until stopped; prints one line per state change."})
    static final class Pull implements Callable<Integer> {
        @ParentCommand
        MirrorMain main;
        @Spec
        CommandSpec spec;
        @Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            return runUntilStopped(EtcdMirror.pull(common.options(main, spec)));
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the mirrors of this host's region directory: role, state, etcd endpoint, last revision, lag.")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        MirrorMain main;

        @Parameters(paramLabel = "TAG", arity = "0..*", description = "Only these tags.")
        List<String> tags = new ArrayList<>();

        @Option(names = "--json", description = "One JSON object per line instead of a table.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            ShmOptions shm = main.shmOptions();
            List<MirrorStatus> all = MirrorStatus.read(shm).stream()
                    .filter(s -> tags.isEmpty() || tags.contains(s.tag())).toList();
            for (String tag : tags) {
                RegionFiles.validateTag(tag);
                if (all.stream().noneMatch(s -> s.tag().equals(tag))) {
                    throw new java.nio.file.NoSuchFileException(RegionFiles.directory(shm).toString(), null,
                            "no mirror of tag " + tag + " in " + RegionFiles.directory(shm) + " (mirror status files: <tag>~mirror-push|pull)");
                }
            }
            PrintWriter out = main.spec.commandLine().getOut();
            if (!json) {
                out.printf("%-20s %-4s %-12s %-8s %-28s %9s %8s %10s %9s%n",
                        "TAG", "ROLE", "STATE", "PID", "ETCD", "REVISION", "VERSION", "BEHIND", "DELAY");
            }
            for (MirrorStatus s : all) {
                String state = s.running() || s.state() == MirrorEvent.State.CLOSED ? s.state().name() : "DEAD";
                Long behind = behind(s, shm);
                Duration delay = s.lastDelay();
                if (json) {
                    ObjectNode n = JSON.valueToTree(s);
                    n.put("running", s.running());
                    if (behind != null) {
                        n.put("behindVersions", behind);
                    }
                    out.println(JSON.writeValueAsString(n));
                } else {
                    out.printf("%-20s %-4s %-12s %-8d %-28s %9d %8d %10s %9s%n", s.tag(), s.role().name().toLowerCase(java.util.Locale.ROOT),
                            state, s.pid(), s.endpoints(), s.lastRevision(), s.localVersion(),
                            behind == null ? "-" : behind + " v", delay == null ? "-" : delay.toMillis() + " ms");
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        /**
         * Push: how many local versions were published after the last one pushed (versions a
         * busy master publishes in between are skipped, so this counts publishes, not a queue).
         * Pull: how many the region's master published after the last one the mirror published
         * (another master took over), normally 0. Null if the region cannot be read.
         */
        private static Long behind(MirrorStatus s, ShmOptions shm) {
            try (SharedObjectFollower<byte[]> f = SharedObject.follower(s.tag(), byte[].class, shm)) {
                return Math.max(0, f.version() - s.localVersion());
            } catch (Exception e) {
                return null;
            }
        }
    }

    /** The exit code of {@code e}: pusher and local-master conflicts are 5, the rest as the shm4j CLI maps them. */
    static int report(Throwable e, PrintWriter err, boolean verbose) {
        boolean conflict = e instanceof PusherConflictException
                || (e instanceof Shm4jException && e.getCause() instanceof MasterConflictException);
        if (!conflict) {
            return ExitCodes.report(e, err, verbose);
        }
        err.println("shm4j: " + e.getMessage());
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.MASTER_CONFLICT;
    }

    /** The configured command line: error handling and exit codes in place. */
    public static CommandLine commandLine() {
        MirrorMain main = new MirrorMain();
        CommandLine cl = new CommandLine(main);
        cl.setExecutionStrategy(parsed -> {
            LogLines.verbose(main.verbose); // the library's notices, as in the shm4j CLI
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd.getErr(), main.verbose));
        cl.setParameterExceptionHandler((e, args) -> ExitCodes.reportUsage(e));
        return cl;
    }

    public static void main(String[] args) {
        GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
        System.exit(commandLine().execute(args));
    }
}
