package io.shm4j.cli;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class of this CLI in a new JVM (the demos' child processes). */
final class JavaCommand {
    private JavaCommand() {
    }

    /**
     * {@code java ... mainClass args}, on the module path when this JVM runs the CLI as a named
     * module (the launcher), else on this JVM's class path (tests, {@code java -cp}).
     */
    static List<String> of(Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        Module module = mainClass.getModule();
        if (module.isNamed()) {
            // As the launcher (./shm4j) does: io.shm4j.cli is an automatic module, and resolving
            // one pulls in no named module such as io.shm4j; without this the child finds no core.
            cmd.addAll(List.of("--enable-native-access=io.shm4j", "--module-path", System.getProperty("jdk.module.path"),
                    "--add-modules=ALL-MODULE-PATH", "--module", module.getName() + "/" + mainClass.getName()));
        } else {
            cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    mainClass.getName()));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }
}
