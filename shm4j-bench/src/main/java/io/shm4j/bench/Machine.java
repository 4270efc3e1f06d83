package io.shm4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The machine a run measured: CPU model and count, memory, kernel, JDK. */
final class Machine {

    private Machine() {
    }

    static Map<String, String> properties() {
        Map<String, String> machine = new LinkedHashMap<>();
        machine.put("cpu", procField("/proc/cpuinfo", "model name"));
        machine.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
        machine.put("memory", procField("/proc/meminfo", "MemTotal"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        return machine;
    }

    static String describe(Map<String, String> m) {
        return m.get("cpu") + " x" + m.get("cpus") + ", " + m.get("memory") + ", " + m.get("os") + ", " + m.get("jdk");
    }

    private static String procField(String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(field)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
