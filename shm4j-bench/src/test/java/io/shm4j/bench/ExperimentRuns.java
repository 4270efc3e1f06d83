package io.shm4j.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Set;
import java.util.stream.Collectors;

/** Running an experiment's {@code main} in a test: what it prints, and what it leaves in the scratch root. */
final class ExperimentRuns {
    /** An experiment's {@code main} with its arguments. */
    interface Main {
        void run() throws Exception;
    }

    private ExperimentRuns() {
    }

    /** What {@code main} prints on standard output. */
    static String printedBy(Main main) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** The names in {@link CaseRunner#scratchRoot()} that start with {@code prefix}. */
    static Set<String> scratchEntries(String prefix) throws Exception {
        try (var entries = Files.list(CaseRunner.scratchRoot())) {
            return entries.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(prefix)).collect(Collectors.toSet());
        }
    }
}
