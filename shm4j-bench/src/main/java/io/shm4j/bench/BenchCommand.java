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
import java.util.function.Supplier;
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
            description = "Repeat the whole plan N times, 1 to " + BenchPlan.MAX_RUNS + "; ratios are taken within each run, the table shows their medians (default: 1 with --quick, else 5).")
    Integer runs;

    @Option(names = "--sizes", split = ",", paramLabel = "BYTES", description = "Payload sizes, " + Payload.HEADER_LENGTH + " to " + Payload.MAX_SIZE + " bytes each, none twice (default: 64,1024,65536,1048576).")
    List<Integer> sizes;

    @Option(names = "--followers", split = ",", paramLabel = "N",
            description = "Follower counts swept, 1 to " + AckBoard.MAX_FOLLOWERS + " each, none twice (default: 1,2,4,8,16; with --quick 1,4,16); busy-polling peers only up to cores - 1.")
    List<Integer> followers;

    @Option(names = "--scale", split = ",", paramLabel = "NAME", description = "Peers swept over --followers, or none (default: shm4j-spin, shm4j-block, uds).")
    Set<String> scaled;

    @Option(names = "--scale-size", paramLabel = "BYTES", defaultValue = "1024", description = "Payload size of the follower sweep, " + Payload.HEADER_LENGTH + " to " + Payload.MAX_SIZE + " bytes (default: ${DEFAULT-VALUE}).")
    int scaledSize;

    @Option(names = "--latency-ms", paramLabel = "MILLIS",
            description = "Latency phase of every case, 1 to 600000: this long, and after it until 10 rounds per millisecond of it were made (at most 500,000), within 10 times it (default: 1500, 400 with --quick).")
    Long latencyMillis;

    @Option(names = "--wakeup", split = ",", paramLabel = "NAME",
            description = "Peers also measured waking an idle follower, or none (default: shm4j-block, uds, pipe).")
    Set<String> wakeup;

    @Option(names = "--wakeup-pause-us", paramLabel = "MICROS", defaultValue = "" + BenchPlan.WAKEUP_PAUSE_MICROS,
            description = "Pause before each publish in the wake-up cases, 1 to " + BenchPlan.MAX_WAKEUP_PAUSE_MICROS + " (default: ${DEFAULT-VALUE}).")
    long wakeupPauseMicros;

    @Option(names = "--overload", split = ",", paramLabel = "NAME",
            description = "Peers measured for staleness under overload: master publishing flat out, follower reading in a loop, or none (default: shm4j-spin, shm4j-block, raw).")
    Set<String> overload;

    @Option(names = "--hogs", paramLabel = "N", description = "CPU hogs (busy shell loops) running during the staleness cases, 0 to " + BenchPlan.MAX_HOGS_PER_CORE + " per core (default: one per core).")
    Integer hogs;

    @Option(names = "--jvm-option", paramLabel = "OPTION",
            description = "An option for every forked master and follower JVM (repeatable), e.g. to find where a tail comes from.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--pin", description = "Bind the master to CPU 0 and the followers to the other CPUs (taskset, which must be on the PATH): no CPU migration.")
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
            super(Peers.names());
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
        BenchPlan plan = plan();
        if (from != null) {
            Report report = Report.read(from);
            System.out.print(report.text());
            for (Path file : report.write(out)) {
                System.out.println("wrote " + file);
            }
            return 0;
        }
        if (plan.pin() && ForkedJvm.onPath(ForkedJvm.TASKSET).isEmpty()) {
            // else every case would fail to start its JVMs, one after the other
            throw new IllegalStateException("--pin needs " + ForkedJvm.TASKSET
                    + " (util-linux), which is not on the PATH: install it, or leave out --pin");
        }
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

    /** The plan the options make; every value is checked here, before anything runs (also with --from). */
    BenchPlan plan() {
        checked("--only", () -> Peers.requireKnown(only, new PeerNames()));
        List<Peer> peers = only.isEmpty() ? Peers.all()
                : new LinkedHashSet<>(only).stream().flatMap(name -> Peers.named(name).stream()).toList();
        CaseSettings base = smoke ? CaseSettings.smoke() : quick ? CaseSettings.quick() : CaseSettings.full();
        CaseSettings settings = latencyMillis == null ? base
                : checked("--latency-ms", () -> base.withLatency(Duration.ofMillis(latencyMillis)));
        int runCount = runs != null ? runs : (quick || smoke ? 1 : 5);
        checked("--runs", () -> BenchPlan.within(runCount, 1, BenchPlan.MAX_RUNS, "a run count", "about three weeks of full runs"));
        List<Integer> payloadSizes = sizes == null ? (smoke ? List.of(64) : BenchPlan.SIZES)
                : checked("--sizes", () -> BenchPlan.distinct(sizes, Payload::checkSize));
        List<Integer> followerCounts = followers == null ? (quick ? List.of(1, 4, 16) : BenchPlan.FOLLOWER_COUNTS)
                : checked("--followers", () -> BenchPlan.distinct(followers, AckBoard::checkFollowerCount));
        checked("--scale-size", () -> Payload.checkSize(scaledSize));
        Set<String> scaledPeers = selection("--scale", scaled, BenchPlan.SCALED_PEERS);
        Set<String> wakeupPeers = selection("--wakeup", wakeup, BenchPlan.WAKEUP_PEERS);
        checked("--wakeup-pause-us", () -> BenchPlan.within(wakeupPauseMicros, 1, BenchPlan.MAX_WAKEUP_PAUSE_MICROS,
                "a pause in microseconds", "0 is a hot case; a second leaves the follower long idle"));
        Set<String> overloadPeers = selection("--overload", overload, BenchPlan.OVERLOAD_PEERS);
        int cores = Runtime.getRuntime().availableProcessors();
        int hogCount = hogs != null ? hogs : cores;
        checked("--hogs", () -> BenchPlan.within(hogCount, 0, (long) BenchPlan.MAX_HOGS_PER_CORE * cores, "a hog count",
                BenchPlan.MAX_HOGS_PER_CORE + " per core: beyond, the case's processes get too little of a core to measure"));
        if (smoke) {
            return BenchPlan.simple(peers, payloadSizes, runCount, settings);
        }
        // The issue-4 target watches an idle follower's CPU for at least 10 s.
        Duration idleWindow = quick ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
        return new BenchPlan(peers, payloadSizes, followerCounts, scaledSize, scaledPeers, wakeupPeers, wakeupPauseMicros,
                idleWindow, overloadPeers, hogCount, cores, runCount, settings, jvmOptions, pin);
    }

    /** {@code check}'s value, or its refusal as bad usage of {@code option}. */
    private <T> T checked(String option, Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException refused) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + refused.getMessage());
        }
    }

    /** The peers {@code option} names ({@link Peers#selection}), or {@code otherwise} when it is not given. */
    private Set<String> selection(String option, Set<String> names, Set<String> otherwise) {
        return names == null ? otherwise : checked(option, () -> Peers.selection(names));
    }

    private String commandText() {
        return ("shm4j bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs())).strip();
    }
}
