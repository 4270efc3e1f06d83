package io.shm4j.cli;

import io.shm4j.AccessMode;
import io.shm4j.MappedRegion;
import io.shm4j.ReadOnlyRegionException;
import io.shm4j.ShmOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A child process of {@link RegionsDemo}: {@code RegionsDemoProcess MODE DIR TAG}. Reads one
 * command a line from stdin, does it on the region, prints what it did and then
 * {@link #END_OF_STEP}. An unexpected exception ends the process (stack trace on stderr).
 */
public final class RegionsDemoProcess {
    static final String END_OF_STEP = ".";
    static final String EXIT = "exit";
    static final String[] LINES = {"EURUSD 1.0842\n", "GBPUSD 1.2710\n", "USDJPY 151.20\n"};
    static final long SIZE = 4096;

    private final AccessMode mode;
    private final ShmOptions options;
    private final String tag;
    private MappedRegion region;

    private RegionsDemoProcess(AccessMode mode, ShmOptions options, String tag) {
        this.mode = mode;
        this.options = options;
        this.tag = tag;
    }

    public static void main(String[] args) throws IOException {
        RegionsDemoProcess p = new RegionsDemoProcess(AccessMode.valueOf(args[0]),
                ShmOptions.defaults().withDirectory(Path.of(args[1])), args[2]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null && !line.equals(EXIT); ) {
                p.step(line.split(" "));
                System.out.println(END_OF_STEP);
                System.out.flush();
            }
        } finally {
            if (p.region != null) {
                p.region.close();
            }
        }
    }

    private void step(String[] cmd) throws IOException {
        switch (cmd[0]) {
            case "create" -> {
                region = MappedRegion.create(tag, SIZE, options);
                for (String line : LINES) {
                    region.write(bytes(line));
                }
                say("MappedRegion.create(\"" + tag + "\", " + SIZE + ") then write() x" + LINES.length
                        + ": tell() = " + region.tell());
            }
            case "open" -> {
                region = MappedRegion.open(tag, mode, options);
                say("MappedRegion.open(\"" + tag + "\", AccessMode." + mode + "): length() = " + region.length());
            }
            case "lines" -> {
                region.seek(0);
                for (byte[] line = region.readLine(); line.length > 0 && line[0] != 0; line = region.readLine()) {
                    say("readLine() -> " + show(line));
                }
                say("rfind(\"USD\", 0) = " + region.rfind(bytes("USD"), 0) + "   find(\"USD\", 0) = "
                        + region.find(bytes("USD"), 0) + "   find(\"CHF\", 0) = " + region.find(bytes("CHF"), 0));
            }
            case "find" -> {
                long at = region.find(bytes(cmd[1]), 0);
                region.seek(at);
                say("find(\"" + cmd[1] + "\", 0) = " + at + "; seek(" + at + "); readLine() -> " + show(region.readLine()));
            }
            case "try-write" -> {
                try {
                    region.seek(0);
                    region.write(bytes("HACKED"));
                    say("write() succeeded (unexpected in READ mode)");
                } catch (ReadOnlyRegionException e) {
                    say("write(\"HACKED\") refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            case "set" -> {
                long at = region.find(bytes(cmd[1]), 0);
                region.seek(at);
                region.write(bytes(cmd[1] + " " + cmd[2]));
                say("wrote \"" + cmd[1] + " " + cmd[2] + "\" at offset " + at + " (" + mode + " mapping)");
            }
            case "quote" -> {
                long at = region.find(bytes(cmd[1]), 0);
                region.seek(at);
                say("sees " + show(region.readLine()));
            }
            default -> throw new IllegalArgumentException("unknown demo step " + String.join(" ", cmd));
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String show(byte[] line) {
        return "\"" + new String(line, StandardCharsets.US_ASCII).replace("\n", "\\n") + "\"";
    }

    private static void say(String s) {
        System.out.println(s);
    }
}
