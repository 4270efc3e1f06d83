package io.shm4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The results of a run as a plain-text table (stdout), {@code results.json} (every run's raw
 * figures, the medians, the machine and the command), {@code results.md} (the table in Markdown)
 * and {@code latency.png} (see {@link LatencyChart}).
 *
 * <p>Ratios compare latencies of the same payload size and follower count measured in the same
 * run (the plan interleaves the peers): per run the peer's figure divided by the reference's, then
 * the median of those per-run ratios, with the lowest and highest. "x limit" divides by the
 * fastest raw shared-memory variant of that run ({@link Peers#limits()}); "x shm4j" by shm4j's
 * busy-spin follower. Above 1 means slower. A peer faster than the limit is named under "The
 * limit": the limit is then not one.
 *
 * <p>Where the cases were probed ({@link CaseResult.Coherence}), a ratio pairs two cases only if
 * the machine was in the same state throughout both: this VM's cross-core copies are 3-4x slower
 * in one state than in the other, which a ratio across states would report as a peer's speed.
 */
public final class Report {
    public static final String LIMIT_PEER = "raw";
    public static final String SHM4J_PEER = "shm4j-spin";
    public static final String WAKEUP_REFERENCE_PEER = "uds";
    public static final String STALENESS_REFERENCE_PEER = LIMIT_PEER;
    /**
     * The share of a staleness phase a follower may spend on its master's CPU and still be
     * compared (docs/BENCHMARKS.md, "Staleness: the scheduler's part and the protocol's": every
     * starved run of 40 had 62% or more).
     */
    static final double COMPARABLE_SHARED_CPU_PERCENT = 50;
    private static final List<String> COLUMNS = List.of("peer", "payload", "followers", "p50", "p50 over runs", "p99",
            "p99.9", "max", "x limit", "x limit per run", "p99.9 x limit", "x shm4j", "x shm4j per run", "x 1 follower",
            "observed/s", "observed bytes/s", "master RSS", "follower RSS", "follower shm", "idle CPU", "runs", "state per run",
            "note");
    private static final List<String> WAKEUP_COLUMNS = List.of("peer", "payload", "pause", "p50", "p50 over runs", "p99",
            "p99.9", "max", "x uds", "x uds per run", "idle CPU", "runs", "note");
    private static final List<String> OVERLOAD_COLUMNS = List.of("peer", "payload", "hogs", "versions seen",
            "between new p50", "p99", "p99.9", "max", "gaps ≥ 1 ms", "time in them", "p99.9 x raw", "p99.9 x raw per run",
            "gaps ≥ 10 µs", "≥ 10 µs x raw", "≥ 10 µs x raw per run", "interrupts", "behind p50", "p99", "p99.9", "max",
            "on master's CPU per run", "CPU moves", "runs", "note");
    private static final List<String> TAIL_COLUMNS = List.of("peer", "payload", "followers", "p99.9", "tail samples",
            "in master safepoint", "in follower safepoint", "in GC", "safepoints M/F", "longest safepoint",
            "master preempted", "master migrated", "follower preempted", "follower migrated", "follower voluntary",
            "minor faults M/F", "GCs M/F", "interrupts");

    private final String command;
    private final Map<String, String> machine;
    private final Map<String, Object> settings;
    private final List<Peer> peers;
    private final List<CaseResult> results;
    private final List<Summary> summaries;
    private final List<InProcessPairs.PairResult> pairs;
    private final List<JmhSuite.JmhResult> jmh;

    public Report(String command, BenchPlan plan, List<CaseResult> results) {
        this(command, plan, results, List.of(), List.of());
    }

    Report(String command, BenchPlan plan, List<CaseResult> results, List<JmhSuite.JmhResult> jmh) {
        this(command, plan, results, List.of(), jmh);
    }

    Report(String command, BenchPlan plan, List<CaseResult> results, List<InProcessPairs.PairResult> pairs,
           List<JmhSuite.JmhResult> jmh) {
        this(command, Machine.properties(), settings(plan), plan.peers(), results, pairs, jmh);
    }

    private Report(String command, Map<String, String> machine, Map<String, Object> settings, List<Peer> peers,
                   List<CaseResult> results, List<InProcessPairs.PairResult> pairs, List<JmhSuite.JmhResult> jmh) {
        this.command = command;
        this.machine = Map.copyOf(machine);
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.peers = List.copyOf(peers);
        this.results = List.copyOf(results);
        this.summaries = Summary.of(results);
        this.pairs = List.copyOf(pairs);
        this.jmh = List.copyOf(jmh);
    }

    private static Map<String, Object> settings(BenchPlan plan) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("runs", plan.runs());
        settings.put("warmupMillis", plan.settings().warmup().toMillis());
        settings.put("latencyMillis", plan.settings().latency().toMillis());
        settings.put("latencyRounds", plan.settings().latencyRounds());
        settings.put("maxSamples", plan.settings().maxSamples());
        settings.put("throughputMillis", plan.settings().throughput().toMillis());
        settings.put("idleCpuWindowMillis", plan.settings().idleCpuWindow().toMillis());
        settings.put("wakeupPauseMicros", plan.wakeupPauseMicros());
        settings.put("wakeupIdleCpuWindowMillis", plan.wakeupIdleWindow().toMillis());
        settings.put("jvmOptions", ForkedJvm.BASE_OPTIONS);
        settings.put("extraJvmOptions", plan.jvmOptions());
        settings.put("pinned", plan.pin());
        settings.put("hogs", plan.hogs());
        settings.put("cores", plan.cores());
        return settings;
    }

    /**
     * The report of an earlier run, read back from its {@code results.json}: the tables, chart and
     * targets are computed again from the recorded per-run figures (nothing is measured).
     */
    public static Report read(Path resultsJson) throws IOException {
        ObjectMapper mapper = JsonMapper.builder().build();
        JsonNode document = mapper.readTree(Files.readString(resultsJson));
        List<Peer> peers = new ArrayList<>();
        for (JsonNode peer : document.get("peers")) {
            peers.add(Peers.require(peer.get("name").asString()));
        }
        return new Report(document.get("command").asString(),
                mapper.convertValue(document.get("machine"), new TypeReference<Map<String, String>>() { }),
                mapper.convertValue(document.get("settings"), new TypeReference<Map<String, Object>>() { }),
                peers,
                mapper.convertValue(document.get("results"), new TypeReference<List<CaseResult>>() { }),
                document.has("pairs") ? mapper.convertValue(document.get("pairs"), new TypeReference<List<InProcessPairs.PairResult>>() { })
                        : List.of(),
                mapper.convertValue(document.get("jmh"), new TypeReference<List<JmhSuite.JmhResult>>() { }));
    }

    private int runs() {
        return ((Number) settings.get("runs")).intValue();
    }

    public List<Summary> summaries() {
        return summaries;
    }

    /** Writes results.json, results.md and latency.png into {@code directory}; returns what it wrote. */
    public List<Path> write(Path directory) throws IOException {
        Files.createDirectories(directory);
        List<Path> written = new ArrayList<>();
        Path json = directory.resolve("results.json");
        Files.writeString(json, json(), StandardCharsets.UTF_8);
        written.add(json);
        Path markdown = directory.resolve("results.md");
        Files.writeString(markdown, markdown(), StandardCharsets.UTF_8);
        written.add(markdown);
        if (Files.exists(directory.resolve("jmh.json"))) {
            written.add(directory.resolve("jmh.json"));
        }
        Path chart = directory.resolve("latency.png");
        LatencyChart.write(summaries, chart);
        written.add(chart);
        return written;
    }

    /** The tables with aligned columns, for a terminal. */
    public String text() {
        StringBuilder text = new StringBuilder(aligned(rows()));
        if (!stateCounts().isEmpty()) {
            text.append('\n').append(stateCounts()).append('\n');
        }
        text.append("\nThe limit: ").append(limitCheck()).append('\n');
        if (wakeups().findAny().isPresent()) {
            text.append("\nWaking an idle follower (a pause before each publish):\n").append(aligned(wakeupRows()));
        }
        if (overloads().findAny().isPresent()) {
            text.append("\nStaleness under overload (master flat out, follower reading in a loop, CPU hogs):\n")
                    .append(aligned(overloadRows()));
        }
        if (hot().anyMatch(x -> x.tail() != null)) {
            text.append("\nWhere the tail comes from (the slowest 0.1% of latency samples, summed over runs):\n")
                    .append(aligned(tailRows()));
        }
        if (!pairs.isEmpty()) {
            text.append("\nIn-process, in pairs (median ns per operation; medians of per-round ratios):\n").append(aligned(pairRows()));
        }
        if (!jmh.isEmpty()) {
            text.append("\nIn-process (JMH), mean ns per operation:\n").append(aligned(jmhRows()));
        }
        text.append("\nTargets (issues 3, 4, 16):\n").append(aligned(targetRows(), true));
        return text.toString();
    }

    private static String aligned(List<List<String>> rows) {
        return aligned(rows, false);
    }

    /** Columns padded to equal width: text left, figures right ({@code allLeft}: everything left). */
    private static String aligned(List<List<String>> rows, boolean allLeft) {
        int columns = rows.getFirst().size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                boolean left = allLeft || i == 0 || i == row.size() - 1;
                String cell = row.get(i);
                String pad = " ".repeat(widths[i] - cell.length());
                out.append(left ? cell + pad : pad + cell).append(i == row.size() - 1 ? "" : "  ");
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** The table in GitHub Markdown, with a line on how it was made. */
    public String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("Command: `").append(command).append("`  \n");
        out.append("Machine: ").append(Machine.describe(machine)).append("  \n");
        out.append("Latency: publish→observe one-way, merged over all followers; figures are medians over ")
                .append(runs()).append(runs() == 1 ? " run" : " runs")
                .append("; ratios are taken within each run (peers measured back to back), then their median, with every run's ratio.\n\n");
        for (Peer peer : peers) {
            out.append("- `").append(peer.name()).append("`: ").append(peer.description()).append('\n');
        }
        out.append('\n');
        markdownTable(out, rows());
        if (!stateCounts().isEmpty()) {
            out.append('\n').append(stateCounts()).append('\n');
        }
        out.append("\nThe limit: ").append(limitCheck()).append('\n');
        if (wakeups().findAny().isPresent()) {
            out.append("\nWaking an idle follower: the master pauses before each publish, so the follower is asleep ")
                    .append("when it is woken; idle CPU is the follower's use while waiting, percent of one core:\n\n");
            markdownTable(out, wakeupRows());
        }
        if (overloads().findAny().isPresent()) {
            out.append("\nStaleness under overload: the master publishes flat out, the follower reads in a loop, CPU hogs run; ")
                    .append("\"between new\" is the time between two new versions a follower observed, \"behind\" how many ")
                    .append("versions the master had published beyond the one observed; \"gaps ≥ 1 ms\" are the scheduler's ")
                    .append("(a follower or its master waiting for a CPU), \"time in them\" the share of the phase they took; ")
                    .append("\"gaps ≥ 10 µs\" are stalls, counted per phase whatever the master's rate (a faster master ")
                    .append("takes its p99.9 further down the same tail of stalls), \"interrupts\" those all CPUs served ")
                    .append("during the phase; ")
                    .append("\"on master's CPU\" is the share of the ")
                    .append("phase in which the follower's busiest thread had last run on the CPU of the master's (sampled every ")
                    .append(PlacementSampler.INTERVAL_MILLIS).append(" ms), \"CPU moves\" how often those threads changed CPU; ")
                    .append("the ratios to raw pair only runs in which both followers spent less than ")
                    .append(Units.percent(COMPARABLE_SHARED_CPU_PERCENT))
                    .append(" of the phase there (more, and a run measures the scheduler's placement):\n\n");
            markdownTable(out, overloadRows());
        }
        if (hot().anyMatch(x -> x.tail() != null)) {
            out.append("\nWhere the tail comes from: the slowest 0.1% of each run's latency samples, summed over runs; how many ")
                    .append("overlapped a safepoint (GC included) of the master's or the follower's JVM, and what the kernel did ")
                    .append("to the publishing and the following threads (all followers summed) during the latency phase (preempted: ")
                    .append("involuntary context switches; migrated: moves to another CPU; voluntary: the thread slept), and how ")
                    .append("many interrupts all CPUs served during the master's latency phases (each stops the thread on its CPU ")
                    .append("for microseconds; more of them than tail samples can make the tail):\n\n");
            markdownTable(out, tailRows());
        }
        if (!pairs.isEmpty()) {
            out.append("\nIn-process, in pairs (`InProcessPairs`): every variant runs a ~20 µs batch in turn, round after round; ")
                    .append("median ns per operation, and the medians of the per-round ratios to the plain copy and to the unfused ")
                    .append("copy-and-CRC (\"fused\": `CrcCopy`, the CRC-32 taken chunk by chunk during the copy):\n\n");
            markdownTable(out, pairRows());
        }
        if (!jmh.isEmpty()) {
            out.append("\nIn-process (JMH), mean ns per operation (± 99.9% error); \"new\" reads and \"parse after publish\" ")
                    .append("are the publish-then-read benchmark minus the publish alone (– where that difference is not ")
                    .append("positive: noise larger than the cost):\n\n");
            markdownTable(out, jmhRows());
        }
        out.append("\nTargets of issues 3, 4 and 16 against this run (\"x the limit\": measured ÷ limit):\n\n");
        markdownTable(out, targetRows());
        return out.toString();
    }

    private static void markdownTable(StringBuilder out, List<List<String>> rows) {
        for (int r = 0; r < rows.size(); r++) {
            out.append("| ").append(String.join(" | ", rows.get(r).stream().map(c -> c.replace("|", "\\|")).toList())).append(" |\n");
            if (r == 0) {
                out.append("|").append("---|".repeat(rows.getFirst().size())).append('\n');
            }
        }
    }

    private List<List<String>> targetRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("issue", "target", "measured", "limit", "status", "by"));
        for (Targets.Target t : new Targets(this).evaluate()) {
            rows.add(List.of(t.issue(), t.name(), t.measured(), t.limit(), t.status(), t.margin()));
        }
        return rows;
    }

    /** Per payload size: shm4j's in-process costs next to the plain copy and parse they are judged by. */
    private List<List<String>> jmhRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("payload", "get() unchanged", "publish raw", "snapshot() new", "readNewer()", "plain copy",
                "copy + CRC-32", "snapshot ÷ copy", "readNewer ÷ copy", "copy + CRC ÷ copy", "copy to new array", "CRC-32",
                "JSON get() new", "parse after publish", "JSON get ÷ parse", "parse alone"));
        for (int size : jmh.stream().map(JmhSuite.JmhResult::size).distinct().sorted().toList()) {
            Double snapshot = jmhDifference("SharedObject.publishRawThenSnapshot", "SharedObject.publishRaw", size);
            Double copy = jmhScore("Baseline.mappedToHeapCopy", size);
            Double json = jsonGet(size);
            Double parse = jsonParse(size);
            rows.add(List.of(Units.bytes(size), jmhCell("SharedObject.getUnchanged", size), jmhCell("SharedObject.publishRaw", size),
                    Units.nanos(snapshot), jmhCell("SharedObject.readNewer", size), jmhCell("Baseline.mappedToHeapCopy", size),
                    jmhCell("Baseline.copyAndCrc32", size), Units.ratio(divide(snapshot, copy)),
                    Units.ratio(divide(jmhScore("SharedObject.readNewer", size), copy)),
                    Units.ratio(divide(jmhScore("Baseline.copyAndCrc32", size), copy)),
                    jmhCell("Baseline.mappedToNewArray", size), jmhCell("Baseline.crc32", size),
                    Units.nanos(json), Units.nanos(parse), Units.ratio(divide(json, parse)), jmhCell("Baseline.jacksonParse", size)));
        }
        return rows;
    }

    private List<List<String>> pairRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("payload", "side", "variant", "ns/op", "x copy", "x unfused", "bandwidth x copy", "rounds"));
        for (InProcessPairs.PairResult p : pairs) {
            rows.add(List.of(Units.bytes(p.size()), p.side(), p.variant(), Units.nanos(p.nanos()), Units.ratio(p.toCopy()),
                    Units.ratio(p.toUnfused()), Units.ratio(1 / p.toCopy()), Integer.toString(p.rounds())));
        }
        return rows;
    }

    /** The in-process pair of {@code variant} on {@code side} at {@code size}, if it ran. */
    public Optional<InProcessPairs.PairResult> pair(String side, int size, String variant) {
        return pairs.stream().filter(p -> p.side().equals(side) && p.size() == size && p.variant().equals(variant)).findFirst();
    }

    /** A JSON follower's get() of a new version: publish-then-get minus the publish alone. */
    public Double jsonGet(int size) {
        return jmhDifference("SharedObject.publishJsonThenGet", "SharedObject.publishJson", size);
    }

    /** Jackson's parse of the same bytes under the same conditions: publish-then-parse minus the publish alone. */
    public Double jsonParse(int size) {
        return jmhDifference("SharedObject.publishJsonThenParse", "SharedObject.publishJson", size);
    }

    /** JMH mean of {@code benchmark} at {@code size}, ns, or null if it did not run. */
    public Double jmhScore(String benchmark, int size) {
        return jmh.stream().filter(r -> r.benchmark().equals(benchmark) && r.size() == size).findFirst()
                .map(JmhSuite.JmhResult::nanos).orElse(null);
    }

    /**
     * {@code minuend - subtrahend} at {@code size}: the cost of what the first does beyond the
     * second; null when either is missing or the difference is not positive (noise larger than
     * the cost).
     */
    public Double jmhDifference(String minuend, String subtrahend, int size) {
        Double a = jmhScore(minuend, size);
        Double b = jmhScore(subtrahend, size);
        return a == null || b == null || a <= b ? null : a - b;
    }

    private String jmhCell(String benchmark, int size) {
        return jmh.stream().filter(r -> r.benchmark().equals(benchmark) && r.size() == size).findFirst()
                .map(r -> Units.nanos(r.nanos()) + (Double.isFinite(r.errorNanos()) ? " ± " + Units.nanos(r.errorNanos()) : ""))
                .orElse("–");
    }

    private static Double divide(Double a, Double b) {
        return a == null || b == null || b <= 0 ? null : a / b;
    }

    private static String gigabytesPerSecond(int size, Double nanos) {
        return nanos == null || nanos <= 0 ? "–" : String.format(Locale.ROOT, "%.1f", size / nanos);
    }

    public String json() {
        ObjectMapper mapper = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("command", command);
        document.put("machine", machine);
        document.put("settings", settings);
        document.put("peers", peers.stream().map(p -> Map.of("name", p.name(), "description", p.description())).toList());
        document.put("summaries", summaries);
        document.put("pairs", pairs);
        document.put("jmh", jmh);
        document.put("targets", new Targets(this).evaluate());
        document.put("results", results);
        return mapper.writeValueAsString(document);
    }

    private Stream<Summary> hot() {
        return summaries.stream().filter(s -> s.pauseMicros() == 0 && s.hogs() == null);
    }

    private Stream<Summary> wakeups() {
        return summaries.stream().filter(s -> s.pauseMicros() > 0 && s.hogs() == null);
    }

    private Stream<Summary> overloads() {
        return summaries.stream().filter(s -> s.hogs() != null);
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        hot().forEach(s -> {
            Ratio limit = toLimit(s, CaseResult.Latency::p50);
            Ratio shm4j = ratio(s, SHM4J_PEER);
            rows.add(List.of(s.peer(), Units.bytes(s.payloadBytes()), Integer.toString(s.followers()),
                    Units.nanos(s.p50()), spread(s), Units.nanos(s.p99()), Units.nanos(s.p999()), Units.nanos(s.max()),
                    Ratio.median(limit), Ratio.spread(limit), Ratio.median(toLimit(s, CaseResult.Latency::p999)),
                    Ratio.median(shm4j), Ratio.spread(shm4j), Ratio.median(followerRatio(s)),
                    Units.rate(s.observedPerSecond()), Units.bandwidth(s.observedBytesPerSecond()),
                    Units.kibAsMib(s.masterRssKiB()), Units.kibAsMib(s.followerRssKiB()), Units.kibAsMib(s.followerShmemKiB()),
                    Units.percent(s.followerIdleCpuPercent()), s.runsOk() + "/" + s.runs(), states(s), note(s)));
        });
        return rows;
    }

    /** The machine's state around each run of {@code s}, in run order: f(ast), s(low), c(hanged); "–" if not probed. */
    private String states(Summary s) {
        List<CoherenceProbe.State> states = results.stream().filter(r -> Summary.key(r).equals(s.key()) && r.state() != null)
                .sorted(Comparator.comparingInt(CaseResult::run)).map(CaseResult::state).toList();
        return states.isEmpty() ? "–"
                : states.stream().map(state -> state.name().substring(0, 1).toLowerCase(Locale.ROOT)).collect(Collectors.joining(","));
    }

    /** How many probed cases ran in each state, as a sentence; empty if none was probed. */
    private String stateCounts() {
        Map<CoherenceProbe.State, Long> counts = results.stream().filter(r -> r.state() != null)
                .collect(Collectors.groupingBy(CaseResult::state, () -> new EnumMap<>(CoherenceProbe.State.class),
                        Collectors.counting()));
        if (counts.isEmpty()) {
            return "";
        }
        return "Machine state around each case (CoherenceProbe: a 64 KiB copy into memory the other core has just read, "
                + "over the same copy alone, before and after the case): " + counts.getOrDefault(CoherenceProbe.State.FAST, 0L)
                + " fast, " + counts.getOrDefault(CoherenceProbe.State.SLOW, 0L) + " slow, "
                + counts.getOrDefault(CoherenceProbe.State.CHANGED, 0L)
                + " changed during the case; a ratio pairs only cases measured in the same state.";
    }

    /**
     * Whether two cases may be compared: both in one state throughout, or either not probed
     * (results written before the probe).
     */
    static boolean sameState(CaseResult a, CaseResult b) {
        if (a.state() == null || b.state() == null) {
            return true;
        }
        return a.state() == b.state() && a.state() != CoherenceProbe.State.CHANGED;
    }

    private List<List<String>> wakeupRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(WAKEUP_COLUMNS);
        wakeups().forEach(s -> {
            Ratio uds = ratio(s, WAKEUP_REFERENCE_PEER);
            rows.add(List.of(s.peer(), Units.bytes(s.payloadBytes()), Units.nanos(s.pauseMicros() * 1e3),
                    Units.nanos(s.p50()), spread(s), Units.nanos(s.p99()), Units.nanos(s.p999()), Units.nanos(s.max()),
                    Ratio.median(uds), Ratio.spread(uds), Units.percent(s.followerIdleCpuPercent()),
                    s.runsOk() + "/" + s.runs(), note(s)));
        });
        return rows;
    }

    private List<List<String>> overloadRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(OVERLOAD_COLUMNS);
        overloads().forEach(s -> {
            CaseResult.Staleness st = s.staleness();
            Ratio raw = stalenessRatio(s);
            Ratio stalls = stallRatio(s);
            rows.add(st == null
                    ? List.of(s.peer(), Units.bytes(s.payloadBytes()), String.valueOf(s.hogs()), "–", "–", "–", "–", "–", "–", "–",
                            "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", s.runsOk() + "/" + s.runs(), note(s))
                    : List.of(s.peer(), Units.bytes(s.payloadBytes()), String.valueOf(s.hogs()), Long.toString(st.versions()),
                            Units.nanos((double) st.gapP50()), Units.nanos((double) st.gapP99()), Units.nanos((double) st.gapP999()),
                            Units.nanos((double) st.gapMax()), count(st.longGaps()),
                            Units.percent(st.longGapPercent()),
                            Ratio.median(raw), Ratio.spread(raw), count(st.stalls()), Ratio.median(stalls), Ratio.spread(stalls),
                            count(st.interrupts()), Long.toString(st.behindP50()),
                            Long.toString(st.behindP99()), Long.toString(st.behindP999()), Long.toString(st.behindMax()),
                            sameCpuPerRun(s), st.placement() == null ? "–" : Long.toString(st.placement().moves()),
                            s.runsOk() + "/" + s.runs(), note(s)));
        });
        return rows;
    }

    /**
     * Per run, the percent of the staleness phase in which a follower's busiest thread sat on its
     * master's CPU ("–" for a run without it): a run in which it did for most of the phase may be
     * starved whatever the peer.
     */
    private String sameCpuPerRun(Summary s) {
        List<String> perRun = new ArrayList<>();
        for (int run : runNumbers()) {
            inRun(s.key(), run).ifPresent(r -> perRun.add(Units.percent(r.staleness() == null || r.staleness().placement() == null
                    ? null : r.staleness().placement().sameCpuPercent())));
        }
        return perRun.isEmpty() ? "–" : String.join(", ", perRun);
    }

    private List<List<String>> tailRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(TAIL_COLUMNS);
        hot().filter(s -> s.tail() != null).forEach(s -> {
            CaseResult.Tail t = s.tail();
            rows.add(List.of(s.peer(), Units.bytes(s.payloadBytes()), Integer.toString(s.followers()), Units.nanos(s.p999()),
                    Integer.toString(t.samples()),
                    Integer.toString(t.duringMasterSafepoint()), Integer.toString(t.duringFollowerSafepoint()),
                    Integer.toString(t.duringCollection()), t.masterSafepoints() + "/" + t.followerSafepoints(),
                    Units.nanos((double) t.longestSafepointNanos()), count(t.master().involuntarySwitches()),
                    count(t.master().migrations()), count(t.followers().involuntarySwitches()), count(t.followers().migrations()),
                    count(t.followers().voluntarySwitches()),
                    count(t.master().minorFaults()) + "/" + count(t.followers().minorFaults()),
                    t.master().collections() + "/" + t.followers().collections(),
                    // 0: a results.json from before the count was recorded (the phase always has timer ticks)
                    t.master().interrupts() <= 0 ? "–" : Long.toString(t.master().interrupts())));
        });
        return rows;
    }

    /** A count, "–" if unknown (negative, or null: not recorded). */
    private static String count(Long value) {
        return value == null || value < 0 ? "–" : Long.toString(value);
    }

    /** The lowest and highest p50 over the runs: how noisy the median is. */
    private static String spread(Summary s) {
        return s.p50Low() == null || s.runsOk() < 2 ? "–" : Units.nanos(s.p50Low()) + " – " + Units.nanos(s.p50High());
    }

    private static String note(Summary s) {
        return s.status() == CaseResult.Status.OK ? s.note() : s.status() + ": " + s.note();
    }

    /**
     * A ratio taken within each run (both figures from the same run), then the median over the
     * runs that have both, with the lowest and highest.
     */
    public record Ratio(double median, double low, double high, List<Double> perRun) {
        public Ratio {
            perRun = List.copyOf(perRun);
        }

        static Ratio of(List<Double> perRun) {
            if (perRun.isEmpty()) {
                return null;
            }
            double[] sorted = perRun.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int middle = sorted.length / 2;
            double median = sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
            return new Ratio(median, sorted[0], sorted[sorted.length - 1], perRun);
        }

        int runs() {
            return perRun.size();
        }

        /** The same ratios, 1 where below 1 (a limit variant against the others: 1 when it is the fastest). */
        Ratio atLeastOne() {
            return of(perRun.stream().map(r -> Math.max(1, r)).toList());
        }

        static String median(Ratio r) {
            return r == null ? "–" : Units.ratio(r.median());
        }

        /** Every run's ratio, in run order. */
        static String spread(Ratio r) {
            return r == null || r.runs() < 2 ? "–" : r.perRun().stream().map(Units::ratio).collect(Collectors.joining(", "));
        }
    }

    /** The successful result of a case (by key) in {@code run}, if any. */
    private Optional<CaseResult> inRun(String key, int run) {
        return results.stream().filter(r -> r.run() == run && r.status() == CaseResult.Status.OK && Summary.key(r).equals(key))
                .findFirst();
    }

    private Set<Integer> runNumbers() {
        return results.stream().map(CaseResult::run).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Per run, {@code s}'s figure divided by the lowest of the {@code references}' in the same case
     * (size, followers, pause, hogs) of that run, if all of them ran in the state {@code s}'s case
     * ran in; the median over runs. Null when no run has both, or {@code s} is one of the
     * references.
     */
    public Ratio ratio(Summary s, Collection<String> references, ToDoubleFunction<CaseResult> figure) {
        return ratio(s, references, figure, null);
    }

    /**
     * As {@link #ratio(Summary, Collection, ToDoubleFunction)}, over the runs whose case of
     * {@code s} ran in {@code state} throughout; {@code null}: in whatever state (pairs of one
     * state, or unprobed).
     */
    public Ratio ratio(Summary s, Collection<String> references, ToDoubleFunction<CaseResult> figure, CoherenceProbe.State state) {
        if (references.contains(s.peer())) {
            return null;
        }
        List<Double> perRun = new ArrayList<>();
        for (int run : runNumbers()) {
            Optional<CaseResult> mine = inRun(s.key(), run);
            if (mine.isEmpty() || state != null && mine.get().state() != state) {
                continue;
            }
            List<CaseResult> others = references.stream()
                    .flatMap(peer -> inRun(Summary.key(peer, s.payloadBytes(), s.followers(), s.pauseMicros(), s.hogs()), run).stream())
                    .toList();
            if (!others.stream().allMatch(other -> sameState(mine.get(), other))) {
                // The lowest of the references is unknown when one of them ran in another state
                // (the limit's fastest variant, say, while the state changed): no ratio this run.
                continue;
            }
            OptionalDouble reference = others.stream().mapToDouble(figure).filter(v -> v > 0).min();
            double value = figure.applyAsDouble(mine.get());
            if (!Double.isNaN(value) && reference.isPresent()) {
                perRun.add(value / reference.getAsDouble());
            }
        }
        return Ratio.of(perRun);
    }

    /** {@code s}'s p50 divided by {@code reference}'s, within each run. */
    public Ratio ratio(Summary s, String reference) {
        return ratio(s, List.of(reference), r -> r.latency().p50());
    }

    /** A latency figure of {@code s} divided by the limit's: the fastest raw variant in the same run (by that figure). */
    public Ratio toLimit(Summary s, ToDoubleFunction<CaseResult.Latency> figure) {
        return toLimit(s, figure, null);
    }

    /** As {@link #toLimit(Summary, ToDoubleFunction)}, over the runs of {@code s} in {@code state} (null: any). */
    public Ratio toLimit(Summary s, ToDoubleFunction<CaseResult.Latency> figure, CoherenceProbe.State state) {
        if (LIMIT_PEERS.contains(s.peer())) {
            // a variant against the others: 1 when it is the fastest of its run
            List<String> others = LIMIT_PEERS.stream().filter(p -> !p.equals(s.peer())).toList();
            Ratio r = ratio(s, others, x -> figure.applyAsDouble(x.latency()), state);
            return r == null ? null : r.atLeastOne();
        }
        return ratio(s, LIMIT_PEERS, x -> figure.applyAsDouble(x.latency()), state);
    }

    /**
     * Two neighbouring p50s (sorted) this far apart or more lie on different levels. Measured
     * (docs/BENCHMARKS.md, "Small sizes: each peer's lower level, found in its runs"): 1.5-3x
     * between a peer's levels, at most 1.4x between neighbours on one level.
     */
    static final double LEVEL_JUMP = 1.5;

    /**
     * The lower level of a peer's (or the limit's) p50s over {@code runs} runs in one state:
     * the median of the {@code onLevel} runs on it, or, if the lowest level held one run only,
     * that run's p50 and {@code onLevel} 1: a level seen once is not known to be the peer's.
     */
    public record LowerLevel(long nanos, int onLevel, int runs) {
    }

    /**
     * The lower level of {@code peer}'s p50s at {@code size} (one follower, no pause) over the
     * runs whose case ran in {@code state} throughout (null: any), or null if none did. Each of
     * this VM's mappings keeps one of two levels of cross-core transfers (docs/BENCHMARKS.md,
     * "64 B: levels by peer"), and which level a case gets differs by peer and by hour (Agrona's
     * lower one in 7 of 8 runs at one time, 1 of 5 at another). So neither a run's ratio nor a
     * fixed quantile compares peers on one level; finding the levels does: the sorted p50s are
     * split where a neighbour is {@link #LEVEL_JUMP} times the one below or more, and the lowest
     * part is the lower level (the targets judge it only if it holds two runs or more).
     */
    public LowerLevel lowerLevelP50(String peer, int size, CoherenceProbe.State state) {
        return lowerLevelP50(List.of(peer), size, state);
    }

    /**
     * As {@link #lowerLevelP50(String, int, CoherenceProbe.State)}, of the fastest raw variant
     * of each run: the limit's. A variant whose case ran in another state is left out of its
     * run's fastest (unlike {@link #toLimit}, which then has no ratio for the run): any variant's
     * case in the state is a handoff on one of its levels, and leaving one out can only raise
     * that run's figure, never make the limit look faster than it was.
     */
    public LowerLevel lowerLevelLimitP50(int size, CoherenceProbe.State state) {
        return lowerLevelP50(LIMIT_PEERS, size, state);
    }

    private LowerLevel lowerLevelP50(Collection<String> peers, int size, CoherenceProbe.State state) {
        List<Long> perRun = new ArrayList<>();
        for (int run : runNumbers()) {
            peers.stream().flatMap(peer -> inRun(Summary.key(peer, size, 1, 0, null), run).stream())
                    .filter(r -> state == null || r.state() == state).mapToLong(r -> r.latency().p50()).min()
                    .ifPresent(perRun::add);
        }
        if (perRun.isEmpty()) {
            return null;
        }
        Collections.sort(perRun);
        int onLevel = 1;
        while (onLevel < perRun.size() && perRun.get(onLevel) < LEVEL_JUMP * perRun.get(onLevel - 1)) {
            onLevel++;
        }
        long median = (perRun.get((onLevel - 1) / 2) + perRun.get(onLevel / 2)) / 2;
        return new LowerLevel(median, onLevel, perRun.size());
    }

    /**
     * The staleness p99.9 (time between new versions) of {@code s} divided by the raw peer's under
     * the same hogs, within each run in which both followers' placement compares ({@link #comparable}).
     */
    public Ratio stalenessRatio(Summary s) {
        return stalenessRatio(s, null);
    }

    /** As {@link #stalenessRatio(Summary)}, over the runs of {@code s} in {@code state} (null: any). */
    public Ratio stalenessRatio(Summary s, CoherenceProbe.State state) {
        return versusRaw(s, st -> st.gapP999(), state);
    }

    /**
     * The stalls ({@link CaseResult.Staleness#STALL_NANOS}) of {@code s} divided by the raw peer's
     * under the same hogs, within each run in which both followers' placement compares.
     */
    public Ratio stallRatio(Summary s) {
        return stallRatio(s, null);
    }

    /** As {@link #stallRatio(Summary)}, over the runs of {@code s} in {@code state} (null: any). */
    public Ratio stallRatio(Summary s, CoherenceProbe.State state) {
        return versusRaw(s, st -> orNaN(st.stalls()), state);
    }

    /**
     * The scheduler's part of staleness: the gaps of {@link CaseResult.Staleness#LONG_GAP_NANOS}
     * or more of {@code s} divided by the raw peer's, as {@link #stallRatio(Summary, CoherenceProbe.State)}.
     */
    public Ratio longGapRatio(Summary s, CoherenceProbe.State state) {
        return versusRaw(s, st -> orNaN(st.longGaps()), state);
    }

    /** A count recorded only by newer harnesses: NaN (no ratio) in results from before it was. */
    private static double orNaN(Long count) {
        return count == null ? Double.NaN : count;
    }

    private Ratio versusRaw(Summary s, ToDoubleFunction<CaseResult.Staleness> figure, CoherenceProbe.State state) {
        return ratio(s, List.of(STALENESS_REFERENCE_PEER), r -> comparable(r) ? figure.applyAsDouble(r.staleness()) : Double.NaN, state);
    }

    /**
     * Whether a staleness phase measured its peer: its follower spent less than
     * {@link #COMPARABLE_SHARED_CPU_PERCENT} of it on its master's CPU. One that spent more sees
     * a version per scheduler slice whatever the peer, so a ratio to it measures where the
     * scheduler put the two followers. A result without a placement (written before it was
     * sampled) counts as comparable.
     */
    static boolean comparable(CaseResult r) {
        CaseResult.Staleness st = r.staleness();
        return st != null && (st.placement() == null || st.placement().sameCpuPercent() < COMPARABLE_SHARED_CPU_PERCENT);
    }

    private static final List<String> LIMIT_PEERS = Peers.limits().stream().map(Peer::name).toList();

    /** {@code s}'s p50 divided by the same peer's with one follower, within each run (the follower sweep). */
    public Ratio followerRatio(Summary s) {
        if (s.p50() == null || s.followers() == 1) {
            return null;
        }
        List<Double> perRun = new ArrayList<>();
        for (int run : runNumbers()) {
            Optional<CaseResult> mine = inRun(s.key(), run);
            Optional<CaseResult> one = inRun(Summary.key(s.peer(), s.payloadBytes(), 1, s.pauseMicros(), s.hogs()), run);
            if (mine.isPresent() && one.isPresent() && sameState(mine.get(), one.get()) && one.get().latency().p50() > 0) {
                perRun.add((double) mine.get().latency().p50() / one.get().latency().p50());
            }
        }
        return Ratio.of(perRun);
    }

    /**
     * Which raw variant was the limit at each size (in how many runs it was the fastest), and
     * every other peer whose p50 beat it (median of the per-run ratios below 1): then the limit
     * is not one, and this says so.
     */
    public String limitCheck() {
        List<String> parts = new ArrayList<>();
        List<String> beaten = new ArrayList<>();
        hot().filter(s -> s.followers() == 1).map(Summary::payloadBytes).distinct().forEach(size -> {
            Map<String, Integer> wins = new TreeMap<>();
            for (int run : runNumbers()) {
                LIMIT_PEERS.stream()
                        .flatMap(peer -> inRun(Summary.key(peer, size, 1, 0, null), run).stream())
                        .min(Comparator.comparingLong(r -> r.latency().p50()))
                        .ifPresent(r -> wins.merge(r.peer(), 1, Integer::sum));
            }
            if (!wins.isEmpty()) {
                parts.add(Units.bytes(size) + ": " + wins.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
            }
        });
        hot().filter(s -> s.followers() == 1 && !LIMIT_PEERS.contains(s.peer())).forEach(s -> {
            Ratio r = toLimit(s, CaseResult.Latency::p50);
            if (r != null && r.median() < 1) {
                beaten.add(s.peer() + " " + Units.bytes(s.payloadBytes()) + " (" + Units.ratio(r.median()) + ")");
            }
        });
        if (parts.isEmpty()) {
            return "no raw variant ran.";
        }
        beatenBy = List.copyOf(beaten);
        return "fastest raw variant per size, in how many runs: " + String.join("; ", parts) + ". "
                + (beaten.isEmpty() ? "No peer beat it." : "BEATEN by " + String.join(", ", beaten)
                + ": the limit is not a limit there.");
    }

    /** The peers (with size and ratio) that {@link #limitCheck()} found faster than the limit; null if no raw variant ran. */
    public List<String> limitBeatenBy() {
        limitCheck();
        return beatenBy;
    }

    private List<String> beatenBy;

    public Optional<Summary> find(String peer, int payloadBytes, int followers, long pauseMicros) {
        return find(peer, payloadBytes, followers, pauseMicros, null);
    }

    public Optional<Summary> find(String peer, int payloadBytes, int followers, long pauseMicros, Integer hogs) {
        String key = Summary.key(peer, payloadBytes, followers, pauseMicros, hogs);
        return summaries.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /** The staleness case of {@code peer}, if it ran (whatever its hogs). */
    public Optional<Summary> overload(String peer) {
        return overloads().filter(s -> s.peer().equals(peer)).findFirst();
    }
}
