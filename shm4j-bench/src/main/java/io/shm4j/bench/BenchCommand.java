package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shm4j bench}: runs the cross-process harness over every peer (or the ones named), prints
 * the table and writes results.json, results.md and latency.png.
 *
 * <p>Exit codes: 0 every case ran (or was skipped, with the reason in the table), 1 a case
 * failed or the run could not start, 2 bad usage.
 */
@Command(name = "shm4j bench", sortOptions = false,
        description = {"Measure publish->observe latency, throughput and memory of shm4j against the raw",
                "shared-memory limit and the alternatives, each peer in its own master and follower JVMs.",
                "Writes results.json, results.md and latency.png under --out."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:every case ran, or was skipped with the reason shown", "1:a case failed, or the run could not start",
                "2:bad usage"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--quick", description = "Short phases and one run: the whole suite in under 3 minutes.")
    boolean quick;

    @Option(names = "--only", arity = "1..*", paramLabel = "NAME",
            description = "Run only these peers, the in-process pairs only if 'pairs' is named, JMH only if 'jmh' is (default: all peers, pairs and JMH). Known: ${COMPLETION-CANDIDATES}.",
            completionCandidates = PeerNames.class)
    List<String> only = new ArrayList<>();

    @Option(names = "--runs", paramLabel = "N",
            description = "Repeat the whole plan N times; ratios are taken within each run, the table shows their medians (default: 1 with --quick, else 5).")
    Integer runs;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", description = "Payload sizes (default: 64,1024,65536,1048576).")
    List<Integer> sizes;

    @Option(names = "--followers", split = ",", paramLabel = "N",
            description = "Follower counts swept (default: 1,2,4,8,16; with --quick 1,4,16); busy-polling peers only up to cores - 1.")
    List<Integer> followers;

    @Option(names = "--scale", split = ",", paramLabel = "NAME", description = "Peers swept over --followers (default: shm4j-spin, shm4j-block, uds).")
    Set<String> scaled;

    @Option(names = "--scale-size", paramLabel = "BYTES", defaultValue = "1024", description = "Payload size of the follower sweep (default: ${DEFAULT-VALUE}).")
    int scaledSize;

    @Option(names = "--latency-ms", paramLabel = "MILLIS",
            description = "Latency phase of every case, 1 to 600000: this long, and after it until 10 rounds per millisecond of it were made (at most 500,000), within 10 times it (default: 1500, 400 with --quick).")
    Long latencyMillis;

    @Option(names = "--wakeup", split = ",", paramLabel = "NAME",
            description = "Peers also measured waking an idle follower (default: shm4j-block, uds, pipe).")
    Set<String> wakeup;

    @Option(names = "--wakeup-pause-us", paramLabel = "MICROS", defaultValue = "" + BenchPlan.WAKEUP_PAUSE_MICROS,
            description = "Pause before each publish in the wake-up cases (default: ${DEFAULT-VALUE}).")
    long wakeupPauseMicros;

    @Option(names = "--overload", split = ",", paramLabel = "NAME",
            description = "Peers measured for staleness under overload: master publishing flat out, follower reading in a loop (default: shm4j-spin, shm4j-block, raw).")
    Set<String> overload;

    @Option(names = "--hogs", paramLabel = "N", description = "CPU hogs (busy shell loops) running during the staleness cases (default: one per core).")
    Integer hogs;

    @Option(names = "--jvm-option", paramLabel = "OPTION",
            description = "An option for every forked master and follower JVM (repeatable), e.g. to find where a tail comes from.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--pin", description = "Bind the master to CPU 0 and the followers to the other CPUs (taskset): no CPU migration.")
    boolean pin;

    @Option(names = "--smoke", hidden = true, description = "Tiny phases, for the build's smoke test.")
    boolean smoke;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "target/bench", description = "Where the results go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--from", paramLabel = "RESULTS_JSON",
            description = "Measure nothing: rebuild the table, results.md, chart and targets from an earlier results.json.")
    Path from;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The sizes the in-process targets name: 1 KiB (costs), 64 KiB and 1 MiB (bandwidth). */
    private static final List<Integer> PAIR_SIZES = List.of(1024, 64 * 1024, 1024 * 1024);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** For picocli's completion candidates and the help text. */
    static final class PeerNames extends ArrayList<String> {
        PeerNames() {
            super(Peers.all().stream().map(Peer::name).toList());
            add(InProcessPairs.NAME);
            add(JmhSuite.NAME);
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command with its one-line error handling; {@code execute} returns the exit code. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BenchCommand());
        commandLine.setExecutionExceptionHandler((e, cl, parsed) -> {
            BenchCommand command = cl.getCommand();
            cl.getErr().println("shm4j bench: " + e.getMessage());
            if (command.verbose) {
                e.printStackTrace(cl.getErr());
            }
            return 1;
        });
        commandLine.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("shm4j bench: " + e.getMessage() + " (see 'shm4j bench --help')");
            return 2;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws Exception {
        if (from != null) {
            Report report = Report.read(from);
            System.out.print(report.text());
            for (Path file : report.write(out)) {
                System.out.println("wrote " + file);
            }
            return 0;
        }
        BenchPlan plan = plan();
        ProgressBar progress = new ProgressBar(System.err, System.console() != null && System.console().isTerminal());
        List<CaseResult> results = BenchSuite.run(plan, savingAsItGoes(progress, plan));
        progress.done();
        List<InProcessPairs.PairResult> pairs = List.of();
        if (!smoke && (only.isEmpty() || only.contains(InProcessPairs.NAME))) {
            Path log = out.resolve("pairs.log");
            System.err.println("In-process pairs: copy, CRC-32, readNewer and publish in one forked JVM (log: " + log + ") ...");
            pairs = InProcessPairs.runForked(quick ? 2 : 10, PAIR_SIZES, log);
        }
        List<JmhSuite.JmhResult> jmh = List.of();
        if (!smoke && (only.isEmpty() || only.contains(JmhSuite.NAME))) {
            System.err.println("JMH: in-process benchmarks in forked JVMs (log: " + out.resolve("jmh.log") + ") ...");
            jmh = JmhSuite.run(quick, out);
        }
        Report report = new Report(commandText(), plan, results, pairs, jmh);
        System.out.print(report.text());
        for (Path file : report.write(out)) {
            System.out.println("wrote " + file);
        }
        return results.stream().anyMatch(r -> r.status() == CaseResult.Status.FAILED) ? 1 : 0;
    }

    /**
     * {@code listener}, and after every case the results so far in {@code partial.json} under
     * {@code --out} (readable with {@code --from}), so that a long run that dies keeps its cases.
     */
    private BenchSuite.Listener savingAsItGoes(BenchSuite.Listener listener, BenchPlan plan) throws IOException {
        Files.createDirectories(out);
        Path partial = out.resolve("partial.json");
        List<CaseResult> soFar = new ArrayList<>();
        return new BenchSuite.Listener() {
            @Override
            public void started(BenchPlan.Case c, int index, int total) {
                listener.started(c, index, total);
            }

            @Override
            public void finished(BenchPlan.Case c, CaseResult result) {
                listener.finished(c, result);
                soFar.add(result);
                try {
                    Files.writeString(partial, new Report(commandText() + " (partial)", plan, soFar).json());
                } catch (IOException | RuntimeException e) {
                    System.err.println("shm4j bench: cannot save " + partial + ": " + e.getMessage());
                }
            }
        };
    }

    BenchPlan plan() {
        List<Peer> peers;
        try {
            peers = only.isEmpty() ? Peers.all()
                    : new LinkedHashSet<>(only).stream().filter(name -> !name.equals(JmhSuite.NAME) && !name.equals(InProcessPairs.NAME)).map(Peers::require).toList();
        } catch (IllegalArgumentException unknown) {
            throw new CommandLine.ParameterException(spec.commandLine(), unknown.getMessage());
        }
        CaseSettings settings = smoke ? CaseSettings.smoke() : quick ? CaseSettings.quick() : CaseSettings.full();
        if (latencyMillis != null) {
            try {
                settings = settings.withLatency(Duration.ofMillis(latencyMillis));
            } catch (IllegalArgumentException tooShort) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--latency-ms: " + tooShort.getMessage());
            }
        }
        int runCount = runs != null ? runs : (quick || smoke ? 1 : 5);
        if (runCount < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be at least 1");
        }
        if (smoke) {
            return BenchPlan.simple(peers, sizes != null ? sizes : List.of(64), runCount, settings);
        }
        // The issue-4 target watches an idle follower's CPU for at least 10 s.
        Duration idleWindow = quick ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
        List<Integer> followerCounts = followers != null ? followers : quick ? List.of(1, 4, 16) : BenchPlan.FOLLOWER_COUNTS;
        int cores = Runtime.getRuntime().availableProcessors();
        if (hogs != null && hogs < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--hogs must be 0 or more");
        }
        return new BenchPlan(peers, sizes != null ? sizes : BenchPlan.SIZES, followerCounts, scaledSize,
                scaled != null ? scaled : BenchPlan.SCALED_PEERS, wakeup != null ? wakeup : BenchPlan.WAKEUP_PEERS,
                wakeupPauseMicros, idleWindow, overload != null ? overload : BenchPlan.OVERLOAD_PEERS,
                hogs != null ? hogs : cores, cores, runCount, settings, jvmOptions, pin);
    }

    private String commandText() {
        return ("shm4j bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs())).strip();
    }
}
