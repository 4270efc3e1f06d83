package io.shm4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code shm4j demo objects}: see {@link ObjectsDemo}. */
@Command(name = "objects", mixinStandardHelpOptions = true,
        description = {"A master JVM publishes a changing configuration object to '" + ObjectsDemo.TAG
                + "' while follower JVMs print every version they see and its age; the region is removed at the end."})
final class DemoObjectsCommand implements Callable<Integer> {
    @ParentCommand
    DemoCommand demo;

    @Spec
    CommandSpec spec;

    @Option(names = "--followers", paramLabel = "N", defaultValue = "3", description = "Follower processes (default ${DEFAULT-VALUE}).")
    int followers;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "How long the master publishes (default ${DEFAULT-VALUE}).")
    int seconds;

    @Override
    public Integer call() throws Exception {
        Main.requireInRange(spec, "--followers", followers, 1, 64);
        Main.requireInRange(spec, "--seconds", seconds, 1, 3600);
        return new ObjectsDemo(demo.main.options(), spec.commandLine().getOut(), followers, seconds).run();
    }
}
