package io.shm4j.cli;

import java.util.ArrayList;
import java.util.List;

/** The command line that runs a main class of this jar in a new JVM (the demos' child processes). */
final class JavaCommand {
    private JavaCommand() {
    }

    static List<String> of(Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
