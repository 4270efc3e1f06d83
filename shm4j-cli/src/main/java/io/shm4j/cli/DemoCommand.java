package io.shm4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code shm4j demo [KIND]}: narrated demonstrations in real separate processes. Each kind is
 * a subcommand; {@code demo} alone runs the default kind.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run a narrated demonstration with several processes (separate JVMs).",
                "Without a kind, runs 'objects'."},
        subcommands = {
                DemoObjectsCommand.class,
                DemoRegionsCommand.class,
        })
final class DemoCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return new ObjectsDemo(main.options(), spec.commandLine().getOut(), 3, 10).run();
    }
}
