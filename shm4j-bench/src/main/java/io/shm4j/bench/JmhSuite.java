package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks ({@link SharedObjectBenchmark} and its {@link BaselineBenchmark}) in
 * forked JVMs, writing JMH's own log and JSON next to the other results. {@code --quick} runs the
 * 1 KiB and 64 KiB sizes with short iterations; the full run keeps the annotations' 3 x 1 s
 * warm-up, 5 x 1 s measurement, in one fork per benchmark.
 */
final class JmhSuite {
    static final String NAME = "jmh";

    /** One benchmark at one payload size: mean time per operation and its 99.9% error, ns. */
    record JmhResult(String benchmark, int size, double nanos, double errorNanos) {
    }

    private JmhSuite() {
    }

    static List<JmhResult> run(boolean quick, Path out) throws RunnerException, IOException {
        Files.createDirectories(out);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("io\\.shm4j\\.bench\\.(SharedObject|Baseline)Benchmark\\.")
                .shouldFailOnError(true)
                .forks(1)
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh.json").toString())
                .output(out.resolve("jmh.log").toString());
        if (quick) {
            // The sizes the targets name (1 KiB costs, 64 KiB bandwidth), warmed long enough for C2.
            options.param("size", "1024", "65536")
                    .warmupIterations(1).warmupTime(TimeValue.milliseconds(700))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(200));
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        return results.stream()
                .map(r -> new JmhResult(shortName(r.getParams().getBenchmark()), Integer.parseInt(r.getParams().getParam("size")),
                        r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError()))
                .sorted(Comparator.comparing(JmhResult::benchmark).thenComparingInt(JmhResult::size))
                .toList();
    }

    /** {@code io.shm4j.bench.SharedObjectBenchmark.getUnchanged} → {@code SharedObject.getUnchanged}. */
    private static String shortName(String benchmark) {
        return benchmark.substring("io.shm4j.bench.".length()).replace("Benchmark.", ".");
    }
}
