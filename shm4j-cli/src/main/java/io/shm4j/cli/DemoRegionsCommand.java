package io.shm4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code shm4j demo regions}: see {@link RegionsDemo}. */
@Command(name = "regions", mixinStandardHelpOptions = true,
        description = {"One writer and two readers (READ and COPY), three separate JVMs, share the region '"
                + RegionsDemo.TAG + "': WRITE is seen by all, COPY by nobody else, READ refuses writes;",
                "find/rfind/readLine walk the shared text. The region is removed at the end (also on Ctrl-C)."})
final class DemoRegionsCommand implements Callable<Integer> {
    @ParentCommand
    DemoCommand demo;

    @Spec
    CommandSpec spec;

    @Option(names = "--keep", description = "Keep the region afterwards (for 'shm4j ls' and 'shm4j dump "
            + RegionsDemo.TAG + "'; remove it with 'shm4j rm " + RegionsDemo.TAG + "').")
    boolean keep;

    @Option(names = "--pause", paramLabel = "MS", description = "Wait MS milliseconds between steps (for presenting).")
    long pauseMillis;

    @Override
    public Integer call() throws Exception {
        Main.requireInRange(spec, "--pause", pauseMillis, 0, Long.MAX_VALUE);
        return new RegionsDemo(demo.main.options(), spec.commandLine().getOut(), keep, pauseMillis).run();
    }
}
