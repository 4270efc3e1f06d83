package io.shm4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * <p>Ratios compare p50 latencies of the same payload size and follower count: "x raw" is the
 * peer's p50 divided by the raw shared-memory limit's, "x shm4j" divided by shm4j's (busy-spin
 * follower). Above 1 means slower.
 */
public final class Report {
    public static final String LIMIT_PEER = "raw";
    public static final String SHM4J_PEER = "shm4j-spin";
    public static final String WAKEUP_REFERENCE_PEER = "uds";
    private static final List<String> COLUMNS = List.of("peer", "payload", "followers", "p50", "p50 over runs", "p99",
            "p99.9", "max", "x raw", "x shm4j", "x 1 follower", "observed/s", "observed bytes/s", "master RSS",
            "follower RSS", "follower shm", "idle CPU", "runs", "note");
    private static final List<String> WAKEUP_COLUMNS = List.of("peer", "payload", "pause", "p50", "p50 over runs", "p99",
            "p99.9", "max", "x uds", "idle CPU", "runs", "note");

    private final String command;
    private final Map<String, String> machine;
    private final Map<String, Object> settings;
    private final List<Peer> peers;
    private final List<CaseResult> results;
    private final List<Summary> summaries;
    private final List<JmhSuite.JmhResult> jmh;

    public Report(String command, BenchPlan plan, List<CaseResult> results) {
        this(command, plan, results, List.of());
    }

    Report(String command, BenchPlan plan, List<CaseResult> results, List<JmhSuite.JmhResult> jmh) {
        this(command, Machine.properties(), settings(plan), plan.peers(), results, jmh);
    }

    private Report(String command, Map<String, String> machine, Map<String, Object> settings, List<Peer> peers,
                   List<CaseResult> results, List<JmhSuite.JmhResult> jmh) {
        this.command = command;
        this.machine = Map.copyOf(machine);
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.peers = List.copyOf(peers);
        this.results = List.copyOf(results);
        this.summaries = Summary.of(results);
        this.jmh = List.copyOf(jmh);
    }

    private static Map<String, Object> settings(BenchPlan plan) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("runs", plan.runs());
        settings.put("warmupMillis", plan.settings().warmup().toMillis());
        settings.put("latencyMillis", plan.settings().latency().toMillis());
        settings.put("maxSamples", plan.settings().maxSamples());
        settings.put("throughputMillis", plan.settings().throughput().toMillis());
        settings.put("idleCpuWindowMillis", plan.settings().idleCpuWindow().toMillis());
        settings.put("wakeupPauseMicros", plan.wakeupPauseMicros());
        settings.put("wakeupIdleCpuWindowMillis", plan.wakeupIdleWindow().toMillis());
        settings.put("jvmOptions", ForkedJvm.BASE_OPTIONS);
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
        if (wakeups().findAny().isPresent()) {
            text.append("\nWaking an idle follower (a pause before each publish):\n").append(aligned(wakeupRows()));
        }
        if (!jmh.isEmpty()) {
            text.append("\nIn-process (JMH), mean ns per operation:\n").append(aligned(jmhRows()));
        }
        text.append("\nTargets (issues 3, 4, 5):\n").append(aligned(targetRows(), true));
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
                .append(runs()).append(runs() == 1 ? " run" : " runs").append(".\n\n");
        for (Peer peer : peers) {
            out.append("- `").append(peer.name()).append("`: ").append(peer.description()).append('\n');
        }
        out.append('\n');
        markdownTable(out, rows());
        if (wakeups().findAny().isPresent()) {
            out.append("\nWaking an idle follower: the master pauses before each publish, so the follower is asleep ")
                    .append("when it is woken; idle CPU is the follower's use while waiting, percent of one core:\n\n");
            markdownTable(out, wakeupRows());
        }
        if (!jmh.isEmpty()) {
            out.append("\nIn-process (JMH), mean ns per operation (± 99.9% error); \"new\" reads and \"parse after publish\" ")
                    .append("are the publish-then-read benchmark minus the publish alone (– where that difference is not ")
                    .append("positive: noise larger than the cost):\n\n");
            markdownTable(out, jmhRows());
        }
        out.append("\nTargets of issues 3, 4 and 5 against this run (\"x the limit\": measured ÷ limit):\n\n");
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
        document.put("jmh", jmh);
        document.put("targets", new Targets(this).evaluate());
        document.put("results", results);
        return mapper.writeValueAsString(document);
    }

    private Stream<Summary> hot() {
        return summaries.stream().filter(s -> s.pauseMicros() == 0);
    }

    private Stream<Summary> wakeups() {
        return summaries.stream().filter(s -> s.pauseMicros() > 0);
    }

    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(COLUMNS);
        hot().forEach(s -> rows.add(List.of(s.peer(), Units.bytes(s.payloadBytes()), Integer.toString(s.followers()),
                Units.nanos(s.p50()), spread(s), Units.nanos(s.p99()), Units.nanos(s.p999()), Units.nanos(s.max()),
                Units.ratio(ratio(s, LIMIT_PEER)), Units.ratio(ratio(s, SHM4J_PEER)), Units.ratio(followerRatio(s)),
                Units.rate(s.observedPerSecond()), Units.bandwidth(s.observedBytesPerSecond()),
                Units.kibAsMib(s.masterRssKiB()), Units.kibAsMib(s.followerRssKiB()), Units.kibAsMib(s.followerShmemKiB()),
                Units.percent(s.followerIdleCpuPercent()), s.runsOk() + "/" + s.runs(), note(s))));
        return rows;
    }

    private List<List<String>> wakeupRows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(WAKEUP_COLUMNS);
        wakeups().forEach(s -> rows.add(List.of(s.peer(), Units.bytes(s.payloadBytes()), Units.nanos(s.pauseMicros() * 1e3),
                Units.nanos(s.p50()), spread(s), Units.nanos(s.p99()), Units.nanos(s.p999()), Units.nanos(s.max()),
                Units.ratio(ratio(s, WAKEUP_REFERENCE_PEER)), Units.percent(s.followerIdleCpuPercent()),
                s.runsOk() + "/" + s.runs(), note(s))));
        return rows;
    }

    /** The lowest and highest p50 over the runs: how noisy the median is. */
    private static String spread(Summary s) {
        return s.p50Low() == null || s.runsOk() < 2 ? "–" : Units.nanos(s.p50Low()) + " – " + Units.nanos(s.p50High());
    }

    private static String note(Summary s) {
        return s.status() == CaseResult.Status.OK ? s.note() : s.status() + ": " + s.note();
    }

    /** {@code s}'s p50 divided by {@code reference}'s in the same case (size, followers, pause). */
    public Double ratio(Summary s, String reference) {
        if (s.p50() == null || s.peer().equals(reference)) {
            return null;
        }
        return find(reference, s.payloadBytes(), s.followers(), s.pauseMicros())
                .filter(r -> r.p50() != null && r.p50() > 0)
                .map(r -> s.p50() / r.p50())
                .orElse(null);
    }

    /** {@code s}'s p50 divided by the same peer's with one follower (the follower sweep). */
    public Double followerRatio(Summary s) {
        if (s.p50() == null || s.followers() == 1) {
            return null;
        }
        return find(s.peer(), s.payloadBytes(), 1, s.pauseMicros())
                .filter(r -> r.p50() != null && r.p50() > 0)
                .map(r -> s.p50() / r.p50())
                .orElse(null);
    }

    public Optional<Summary> find(String peer, int payloadBytes, int followers, long pauseMicros) {
        return summaries.stream()
                .filter(s -> s.peer().equals(peer) && s.payloadBytes() == payloadBytes && s.followers() == followers
                        && s.pauseMicros() == pauseMicros)
                .findFirst();
    }
}
